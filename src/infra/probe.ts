// Does something answer at an address? Kafka is asked for real metadata, Redis for a PING, so a
// port held by some other program does not pass for a broker.
// Plain brokers and Redis are probed over bare sockets (fast: no client library to load); TLS and
// SASL need the real clients, loaded only then.
import { type Config, type KafkaConfig } from '../config.js'
import { UsageError } from '../errors.js'
import { kafkaMetadataProbe, redisPingProbe } from './raw-probe.js'

/** Resolves with the broker count when a metadata request succeeds, null when nothing answers. */
export async function kafkaAnswers (kafka: KafkaConfig, timeoutMs = 3000): Promise<number | null> {
  if (!kafka.tls && !kafka.sasl) {
    for (const address of kafka.brokers) {
      const [host, port] = address.split(/:(?=\d+$)/)
      const brokers = await kafkaMetadataProbe(host, Number(port), timeoutMs)
      if (brokers !== null) return brokers
    }
    return null
  }
  const { Admin } = await import('@platformatic/kafka')
  const { connectionOptions } = await import('../kafka/connection.js')
  const admin = new Admin({ ...connectionOptions(kafka, 'probe'), connectTimeout: timeoutMs, requestTimeout: timeoutMs, timeout: timeoutMs, retries: 0 })
  try {
    const metadata = await admin.metadata({ topics: [] })
    return metadata.brokers.size
  } catch {
    return null
  } finally {
    await admin.close().catch(() => {})
  }
}

/** Resolves true when a Redis at `url` answers PING (or refuses it for lack of a password). */
export async function redisAnswers (url: string, timeoutMs = 2000): Promise<boolean> {
  const parsed = new URL(url)
  if (parsed.protocol === 'redis:') {
    const auth = parsed.password ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } : undefined
    return redisPingProbe(parsed.hostname.replace(/^\[|\]$/g, ''), Number(parsed.port || 6379), timeoutMs, auth)
  }
  const { Redis } = await import('ioredis')
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false })
  redis.on('error', () => {}) // reported through the rejected promise below
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } catch (error) {
    return /NOAUTH|WRONGPASS/.test(String((error as Error).message))
  } finally {
    redis.disconnect()
  }
}

/** The one-line error for a broker that does not answer: the address tried, and what to do. */
export function kafkaUnreachable (kafka: KafkaConfig): UsageError {
  return new UsageError(`no Kafka broker answers at ${kafka.brokers.join(',')}: start one with \`streamfit up\` (or \`docker compose up -d kafka\`), or point KAFKA_BROKERS at a running broker`)
}

export function redisUnreachable (url: string): UsageError {
  return new UsageError(`no Redis answers at ${url}: start one with \`streamfit up\` (or \`docker compose up -d redis\`), or point REDIS_URL at a running Redis`)
}

/** Throws the one-line UsageError unless the configured broker answers. */
export async function requireKafka (config: Pick<Config, 'kafka'>): Promise<void> {
  if (await kafkaAnswers(config.kafka) === null) throw kafkaUnreachable(config.kafka)
}
