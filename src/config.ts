// One typed configuration, read from the environment and overridden by CLI flags.
// Every value is validated here so that commands fail early with a one-line message.
import { accessSync, constants, statSync } from 'node:fs'
import { UsageError } from './errors.js'

/**
 * SASL credentials for the broker connections (KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and
 * KAFKA_SASL_PASSWORD).
 */
export interface SaslConfig {
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  username: string
  password: string
}

/**
 * How every client reaches Kafka: brokers, client id, TLS, SASL and the defaults of topics streamfit
 * creates.
 */
export interface KafkaConfig {
  brokers: string[]
  clientId: string
  /** TLS on the broker connections (KAFKA_TLS=1, or a CA file in KAFKA_TLS_CA). */
  tls?: { ca?: string; rejectUnauthorized: boolean }
  sasl?: SaslConfig
  /**
   * Replicas of the topics streamfit creates (STREAMFIT_REPLICATION_FACTOR or --replication-factor);
   * -1, the default, takes the cluster's default.replication.factor (Kafka Streams' replication.factor=-1).
   */
  replicationFactor?: number
  /**
   * How long the apps keep retrying while Kafka fails (a broker bounce, a coordinator or leader
   * moving) before they exit 2 (STREAMFIT_BROKER_TIMEOUT_MS; default 300 s, Kafka Streams' task.timeout.ms).
   */
  brokerTimeoutMs?: number
}

/**
 * How long the apps retry while Kafka fails before they exit 2, by default: 300 s, Kafka Streams'
 * task.timeout.ms.
 */
export const DEFAULT_BROKER_TIMEOUT_MS = 300_000

/** The whole configuration of a command, as {@link loadConfig} reads it from the environment and flags. */
export interface Config {
  kafka: KafkaConfig
  redisUrl: string
  /** Keys of the model registry live under this prefix. */
  registryPrefix: string
  /** Where `up` keeps jars, broker data, logs and pid files. */
  stateDir: string
  topics: { train: string; test: string; predictions: string; dlq: string }
}

/** Kafka's address when KAFKA_BROKERS is unset: the broker `streamfit up` starts. */
export const DEFAULT_BROKERS = '127.0.0.1:9092'
/** Redis's address when REDIS_URL is unset: the server `streamfit up` starts. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

/**
 * Splits a comma-separated `host:port` list (KAFKA_BROKERS, --brokers); throws a UsageError on an
 * empty list or a bad address.
 */
export function parseBrokers (text: string): string[] {
  const brokers = text.split(',').map(b => b.trim()).filter(Boolean)
  if (brokers.length === 0) throw new UsageError('KAFKA_BROKERS is empty: give host:port[,host:port]')
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw new UsageError(`bad broker address "${b}": expected host:port`)
  }
  return brokers
}

/**
 * Reads and validates the configuration from `env`, with `overrides` (CLI flags) winning, so a bad
 * value fails the command at once with a one-line UsageError.
 */
export function loadConfig (env: NodeJS.ProcessEnv = process.env, overrides: { brokers?: string; redisUrl?: string } = {}): Config {
  const redisUrl = overrides.redisUrl ?? env.REDIS_URL ?? DEFAULT_REDIS_URL
  if (!/^rediss?:\/\//.test(redisUrl)) throw new UsageError(`bad REDIS_URL "${redisUrl}": expected redis://host:port`)
  const kafka: KafkaConfig = {
    brokers: parseBrokers(overrides.brokers ?? env.KAFKA_BROKERS ?? DEFAULT_BROKERS),
    clientId: env.KAFKA_CLIENT_ID ?? 'streamfit'
  }
  if (env.STREAMFIT_BROKER_TIMEOUT_MS) kafka.brokerTimeoutMs = parseNumber('STREAMFIT_BROKER_TIMEOUT_MS', env.STREAMFIT_BROKER_TIMEOUT_MS, { min: 0 })
  if (env.STREAMFIT_REPLICATION_FACTOR) kafka.replicationFactor = parseReplicationFactor('STREAMFIT_REPLICATION_FACTOR', env.STREAMFIT_REPLICATION_FACTOR)
  if (env.KAFKA_TLS === '1' || env.KAFKA_TLS_CA) {
    if (env.KAFKA_TLS_CA && !isReadableFile(env.KAFKA_TLS_CA)) {
      throw new UsageError(`KAFKA_TLS_CA=${env.KAFKA_TLS_CA}: no readable file there: give the path of the CA certificate (PEM) that signed the broker's certificate, or unset it`)
    }
    kafka.tls = { ca: env.KAFKA_TLS_CA, rejectUnauthorized: env.KAFKA_TLS_INSECURE !== '1' }
  }
  if (env.KAFKA_SASL_MECHANISM) {
    const mechanism = env.KAFKA_SASL_MECHANISM.toUpperCase()
    if (mechanism !== 'PLAIN' && mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') {
      throw new UsageError(`bad KAFKA_SASL_MECHANISM "${mechanism}": use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`)
    }
    if (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD) {
      throw new UsageError(`KAFKA_SASL_MECHANISM=${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: set both, or unset KAFKA_SASL_MECHANISM for a broker without SASL`)
    }
    kafka.sasl = { mechanism, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD }
  }
  return {
    kafka,
    redisUrl,
    registryPrefix: env.STREAMFIT_REGISTRY_PREFIX ?? 'streamfit:',
    stateDir: env.STREAMFIT_HOME ?? '.streamfit',
    topics: {
      train: env.STREAMFIT_TRAIN_TOPIC ?? 'susy-train',
      test: env.STREAMFIT_TEST_TOPIC ?? 'susy-test',
      predictions: env.STREAMFIT_PREDICTIONS_TOPIC ?? 'susy-predictions',
      dlq: env.STREAMFIT_DLQ_TOPIC ?? 'susy-dlq'
    }
  }
}

/** -1 (the cluster's default) or a positive replica count. */
export function parseReplicationFactor (name: string, text: string): number {
  const n = parseNumber(name, text, { min: -1 })
  if (n === 0) throw new UsageError(`${name} expects -1 (the cluster's default.replication.factor) or a replica count >= 1, got "${text}"`)
  return n
}

/** Parses a CLI number with a message that names the flag. */
export function parseNumber (flag: string, text: string, { integer = true, min = -Infinity } = {}): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw new UsageError(`${flag} expects ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got "${text}"`)
  }
  return n
}

/** redis://user:secret@host:6379/0 -> redis://user:***@host:6379/0 (unparseable text is masked whole). */
export function maskUrlPassword (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password === '') return url
    parsed.password = '***'
    return parsed.toString()
  } catch {
    return '***'
  }
}

function isReadableFile (path: string): boolean {
  try {
    accessSync(path, constants.R_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}
