// `streamfit up` / `streamfit down`: make Kafka and Redis answer at the configured addresses,
// starting local ones where nothing answers, and stop only what was started here.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { maskUrlPassword, type Config } from '../config.js'
import { startKafka, stopKafka, type ServiceInfo } from './kafka-broker.js'
import { clusterPorts, nodePortsOf, startKafkaCluster } from './kafka-cluster.js'
import { UsageError } from '../errors.js'
import { kafkaAnswers, redisAnswers } from './probe.js'
import { fetchedSoftware } from './paths.js'
import { startRedis, stopRedis } from './redis-server.js'

/** Settings of {@link up}. */
export interface UpOptions {
  /** JVM heap of a started broker. */
  heap?: string
  /** Nodes of the local Kafka: 1, or a KRaft cluster of n (default: one per KAFKA_BROKERS address). */
  brokers?: number
  /** Progress lines for the user (downloads, starts). */
  onProgress?: (line: string) => void
}

/** The Kafka and Redis that {@link up} started or found running. */
export interface UpResult {
  kafka: ServiceInfo
  /** Every node of a local cluster (with `brokers` > 1). */
  kafkaNodes?: ServiceInfo[]
  redis: ServiceInfo
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/

/** host and port of an address that `up` may start a service on (loopback only), else null. */
export function localAddress (host: string, port: number): { host: string, port: number } | null {
  if (!LOOPBACK.test(host)) return null
  return { host: host === 'localhost' ? '127.0.0.1' : host.replace(/^\[|\]$/g, ''), port }
}

function kafkaLocal (config: Config): { host: string, port: number } | null {
  if (config.kafka.brokers.length !== 1) return null
  return kafkaLocalNodes(config)?.[0] ?? null
}

/** Every KAFKA_BROKERS address, when all are plaintext loopback ones on one host; else null. */
function kafkaLocalNodes (config: Config): Array<{ host: string, port: number }> | null {
  if (config.kafka.tls || config.kafka.sasl) return null
  const nodes = config.kafka.brokers.map(b => { const [host, port] = b.split(/:(?=\d+$)/); return localAddress(host, Number(port)) })
  if (nodes.some(n => n === null) || new Set(nodes.map(n => n!.host)).size !== 1) return null
  return nodes as Array<{ host: string, port: number }>
}

/**
 * The nodes `up --brokers n` starts: the n KAFKA_BROKERS addresses, or from a single address
 * the ports first, first + 2, ... (each node's controller takes the port above its own).
 */
export function clusterNodes (config: Config, n: number): Array<{ host: string, port: number }> | null {
  const nodes = kafkaLocalNodes(config)
  if (nodes === null) return null
  if (nodes.length === n) return nodes
  if (nodes.length !== 1) throw new UsageError(`--brokers ${n} but KAFKA_BROKERS lists ${nodes.length} addresses: list ${n}, or one (the first node's; the others take the ports 2, 4 ... above it)`)
  return clusterPorts(nodes[0]!.port, n).map(port => ({ host: nodes[0]!.host, port }))
}

function redisLocal (config: Config): { host: string, port: number, password?: string, username?: string } | null {
  const url = new URL(config.redisUrl)
  if (url.protocol !== 'redis:') return null
  const local = localAddress(url.hostname, Number(url.port || 6379))
  return local && { ...local, ...(url.password ? { password: decodeURIComponent(url.password), username: decodeURIComponent(url.username) } : {}) }
}

/**
 * Makes both services answer. Where nothing answers at a loopback address (the defaults are),
 * starts a local one; a remote address that does not answer is an error, never started.
 */
export async function up (config: Config, options: UpOptions = {}): Promise<UpResult> {
  const [kafkaUp, redisUp] = await Promise.all([kafkaAnswers(config.kafka, 2000), redisAnswers(config.redisUrl)])
  const brokers = options.brokers ?? config.kafka.brokers.length
  let kafkaNodes: ServiceInfo[] | undefined
  const kafkaTask = (async (): Promise<ServiceInfo> => {
    if (brokers > 1) {
      const nodes = clusterNodes(config, brokers)
      if (nodes === null) throw new UsageError(`\`up --brokers ${brokers}\` starts a local cluster only on plaintext loopback addresses: set KAFKA_BROKERS to 127.0.0.1:PORT`)
      const cluster = await startKafkaCluster({ stateDir: config.stateDir, host: nodes[0]!.host, ports: nodes.map(n => n.port), heap: options.heap ?? '512m', onProgress: options.onProgress })
      kafkaNodes = cluster.nodes
      return { address: cluster.brokers, started: cluster.nodes.some(n => n.started) }
    }
    const local = kafkaLocal(config)
    if (local === null) {
      if (kafkaUp === null) throw new UsageError(`no Kafka broker answers at ${config.kafka.brokers.join(',')}, and \`up\` starts one only for a single plaintext loopback address: start that broker, or set KAFKA_BROKERS to 127.0.0.1:PORT`)
      return { address: config.kafka.brokers.join(','), started: false }
    }
    return startKafka({ stateDir: config.stateDir, ...local, heap: options.heap, onProgress: options.onProgress })
  })()
  const redisTask = (async (): Promise<ServiceInfo> => {
    const local = redisLocal(config)
    if (local === null) {
      if (!redisUp) throw new UsageError(`no Redis answers at ${maskUrlPassword(config.redisUrl)}, and \`up\` starts one only on a loopback redis:// address: start that Redis, or set REDIS_URL to redis://127.0.0.1:PORT`)
      return { address: config.redisUrl, started: false }
    }
    return startRedis({ stateDir: config.stateDir, ...local, onProgress: options.onProgress })
  })()
  const [kafka, redis] = await Promise.allSettled([kafkaTask, redisTask])
  if (kafka.status === 'rejected') throw kafka.reason
  if (redis.status === 'rejected') throw redis.reason
  return { kafka: kafka.value, redis: redis.value, ...(kafkaNodes !== undefined ? { kafkaNodes } : {}) }
}

/** What {@link down} stopped, and what it left alone. */
export interface DownResult {
  stopped: string[]
  /** Services with no live pid of ours on record: not started by `up`, or already stopped. */
  notOurs: string[]
}

/**
 * Stops the services `up` started for the configured addresses (or, with all, every one on record
 * in the state dir), by the pids it recorded. Anything else is left alone.
 */
export async function down (config: Config, { all = false } = {}): Promise<DownResult> {
  const kafkaPorts = new Set<number>()
  const redisPorts = new Set<number>()
  const r = redisLocal(config)
  for (const k of kafkaLocalNodes(config) ?? []) kafkaPorts.add(k.port)
  if (r) redisPorts.add(r.port)
  if (all) {
    let entries: string[] = []
    try { entries = readdirSync(resolve(config.stateDir)) } catch { /* nothing was ever started */ }
    for (const e of entries) {
      const m = /^(kafka|redis)-(\d+)$/.exec(e)
      if (m) (m[1] === 'kafka' ? kafkaPorts : redisPorts).add(Number(m[2]))
    }
  }
  const result: DownResult = { stopped: [], notOurs: [] }
  // Redis first: it stops in milliseconds, the broker takes a few seconds to shut down cleanly.
  for (const port of redisPorts) {
    if (await stopRedis({ stateDir: config.stateDir, port })) result.stopped.push(`redis on port ${port}`)
    else result.notOurs.push(`redis on port ${port}`)
  }
  // A node of a cluster `up --brokers n` started stops with its whole cluster.
  for (const port of [...kafkaPorts]) for (const p of nodePortsOf(config.stateDir, port)) kafkaPorts.add(p)
  for (const port of kafkaPorts) {
    if (await stopKafka({ stateDir: config.stateDir, port })) result.stopped.push(`kafka on port ${port}`)
    else result.notOurs.push(`kafka on port ${port}`)
  }
  return result
}

/** Removes what `up` fetched; returns the directories removed. */
export function purgeFetched (stateDir: string): string[] {
  const removed: string[] = []
  for (const { dir } of fetchedSoftware(stateDir)) {
    if (!existsSync(dir)) continue
    rmSync(dir, { recursive: true, force: true })
    removed.push(dir)
  }
  return removed
}
