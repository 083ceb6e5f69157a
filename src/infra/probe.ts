// Does something answer at an address? Kafka is asked for real metadata, Redis for a PING, so a
// port held by some other program does not pass for a broker.
// Plain brokers and Redis are probed over bare sockets (fast: no client library to load); TLS and
// SASL need the real clients, loaded only then.
import { maskUrlPassword, type Config, type KafkaConfig } from '../config.js'
import { kafkaUnreachable, redisUnreachable, UsageError } from '../errors.js'
import { kafkaMetadataProbe, redisPingProbe } from './raw-probe.js'

/** Resolves with the broker count when a metadata request succeeds, null when nothing answers. */
export async function kafkaAnswers (kafka: KafkaConfig, timeoutMs = 3000): Promise<number | null> {
  const answer = await askKafka(kafka, timeoutMs)
  return typeof answer === 'number' ? answer : null
}

/** The broker count, or the one-line error saying why no broker answered (TLS, SASL, nothing there). */
async function askKafka (kafka: KafkaConfig, timeoutMs: number): Promise<number | UsageError> {
  if (!kafka.tls && !kafka.sasl) {
    for (const address of kafka.brokers) {
      const [host, port] = address.split(/:(?=\d+$)/)
      const brokers = await kafkaMetadataProbe(host, Number(port), timeoutMs)
      if (brokers !== null) return brokers
    }
    return kafkaUnreachable(kafka)
  }
  const { Admin } = await import('@platformatic/kafka')
  const { connectionOptions } = await import('../kafka/connection.js')
  const { explainClientError } = await import('../kafka/client-errors.js')
  const admin = new Admin({ ...connectionOptions(kafka, 'probe'), connectTimeout: timeoutMs, requestTimeout: timeoutMs, timeout: timeoutMs, retries: 0 })
  try {
    const metadata = await admin.metadata({ topics: [] })
    return metadata.brokers.size
  } catch (error) {
    return explainClientError(error, kafka) ?? kafkaUnreachable(kafka)
  } finally {
    await admin.close().catch(() => {})
  }
}

/** Resolves true when a Redis at `url` answers PING (or refuses it for lack of a password). */
export async function redisAnswers (url: string, timeoutMs = 2000): Promise<boolean> {
  let parsed: URL
  try { parsed = new URL(url) } catch { return false }
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


/** Throws the one-line UsageError (nothing answers, TLS or SASL refused) unless the configured broker answers. */
export async function requireKafka (config: Pick<Config, 'kafka'>): Promise<void> {
  const answer = await askKafka(config.kafka, 3000)
  if (typeof answer !== 'number') throw answer
}

/** Throws the one-line UsageError unless Redis answers at the configured URL (masked in the message). */
export async function requireRedis (config: Pick<Config, 'redisUrl'>): Promise<void> {
  if (!await redisAnswers(config.redisUrl)) throw redisUnreachable(maskUrlPassword(config.redisUrl))
}

/**
 * What every Kafka-and-Redis command checks before it starts logging: the broker answers, these
 * topics exist, Redis answers. Each failure is one line naming the service and the fix, well
 * within 15 s (3 s per probe), instead of a client's retries and a stack trace.
 */
export async function requireServices (config: Pick<Config, 'kafka' | 'redisUrl'>, { topics = [] as string[], redis = false } = {}): Promise<void> {
  await requireKafka(config)
  if (topics.length > 0) {
    const { requireTopics } = await import('../kafka/admin.js')
    await requireTopics(config.kafka, topics)
  }
  if (redis) await requireRedis(config)
}

/** A consumer group id must be a non-empty name (the client's schema would throw a stack trace). */
export function requireGroup (group: string, flag = '--group'): void {
  if (group.trim() === '') throw new UsageError(`${flag} must not be empty: give a consumer group name`)
}

/** True when `url` answers within the timeout (any HTTP status below 400). */
export async function reachable (url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) })
    return res.ok
  } catch {
    return false
  }
}
