// A KRaft cluster of several nodes on loopback, each node broker and controller in one JVM, from
// the same cached jars as the one-node broker: to rehearse production (replication, a broker's
// loss) on one machine. Each node keeps its data, log and pid in kafka-<port>/ like the one-node
// broker, so `down` stops it the same way. Tests start a cluster on free ports with their own
// state dir, kill one node and start it again with startClusterNode.
import { existsSync, readFileSync } from 'node:fs'
import { UsageError } from '../errors.js'
import { alreadyRunning, awaitNode, checkPortsFree, launchNode, newClusterId, stopKafka, type ServiceInfo } from './kafka-broker.js'
import type { JarOptions } from './kafka-jars.js'
import { kafkaPaths } from './paths.js'

export interface ClusterOptions extends JarOptions {
  stateDir: string
  host?: string
  /** One client port per node; each node's controller listens on its port + 1. */
  ports: number[]
  /** JVM heap per node (three nodes share the machine). */
  heap?: string
  startTimeoutMs?: number
  /** More broker properties, e.g. a shorter broker.session.timeout.ms for failure tests. */
  extra?: Record<string, string | number>
  jvmOptions?: string[]
}

export interface ClusterInfo {
  /** host:port of every node, the KAFKA_BROKERS value. */
  brokers: string
  nodes: ServiceInfo[]
}

const DEFAULTS = { host: '127.0.0.1', heap: '512m', startTimeoutMs: 120_000 }

/** The client ports of an n-node cluster whose first node is on `first`: first, first + 2, ... (each controller takes port + 1). */
export function clusterPorts (first: number, nodes: number): number[] {
  return Array.from({ length: nodes }, (_, i) => first + 2 * i)
}

/**
 * One node's server.properties. Replication as production would have it: every topic and the
 * internal ones on all nodes (at most 3), two in sync for a write with acks=all (one on a
 * two-node cluster), and no unclean leader election (it can lose committed records).
 */
export function clusterNodeProperties ({ host, ports, index, dataDir, extra = {} }: { host: string, ports: number[], index: number, dataDir: string, extra?: Record<string, string | number> }): string {
  const port = ports[index]!
  const replicas = Math.min(3, ports.length)
  const minIsr = replicas >= 3 ? 2 : 1
  const voters = ports.map((p, i) => `${i + 1}@${host}:${p + 1}`).join(',')
  return [
    `# Written by \`streamfit up --brokers ${ports.length}\`: node ${index + 1} of a local KRaft cluster.`,
    'process.roles=broker,controller',
    `node.id=${index + 1}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${port + 1}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${replicas}`,
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minIsr}`,
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    'unclean.leader.election.enable=false',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.num.partitions=10',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'delete.topic.enable=true',
    ...Object.entries(extra).map(([key, value]) => `${key}=${value}`),
    ''
  ].join('\n')
}

/**
 * Starts every node that does not answer yet (all at once: a controller quorum needs a majority
 * before any node answers), then waits until each one answers with the whole cluster listed.
 */
export async function startKafkaCluster (options: ClusterOptions): Promise<ClusterInfo> {
  const { host, heap, startTimeoutMs } = { ...DEFAULTS, ...options }
  const { ports, stateDir } = options
  if (ports.length < 1) throw new UsageError('a cluster needs at least one node')
  const running = await Promise.all(ports.map(port => alreadyRunning(stateDir, host, port)))
  const clusterId = sharedClusterId(stateDir, ports) ?? newClusterId()
  const launched = new Map<number, number>()
  for (const [i, port] of ports.entries()) {
    if (running[i] !== null) continue
    await checkPortsFree(host, [port, port + 1])
    const properties = clusterNodeProperties({ host, ports, index: i, dataDir: kafkaPaths(stateDir, port).data, ...(options.extra !== undefined ? { extra: options.extra } : {}) })
    launched.set(port, await launchNode({ ...options, port, heap, properties, clusterId }))
  }
  try {
    await Promise.all([...launched].map(([port, pid]) => awaitNode({ stateDir, host, port, pid, startTimeoutMs, brokers: ports.length })))
  } catch (error) {
    await Promise.all([...launched.keys()].map(port => stopKafka({ stateDir, port, graceMs: 5000 }).catch(() => false)))
    throw error
  }
  const nodes = ports.map((port, i) => running[i] ?? { address: `${host}:${port}`, log: kafkaPaths(stateDir, port).log, pid: launched.get(port)!, started: true })
  return { brokers: ports.map(p => `${host}:${p}`).join(','), nodes }
}

/** Starts one node of a cluster started before (its properties and data are on disk), e.g. after a kill. */
export async function startClusterNode ({ stateDir, host = DEFAULTS.host, port, heap = DEFAULTS.heap, startTimeoutMs = DEFAULTS.startTimeoutMs, jvmOptions }: { stateDir: string, host?: string, port: number, heap?: string, startTimeoutMs?: number, jvmOptions?: string[] }): Promise<number> {
  if (!existsSync(kafkaPaths(stateDir, port).properties)) throw new Error(`no cluster node was ever started on port ${port} in ${stateDir}`)
  const pid = await launchNode({ stateDir, port, heap, ...(jvmOptions !== undefined ? { jvmOptions } : {}) })
  await awaitNode({ stateDir, host, port, pid, startTimeoutMs })
  return pid
}

/** Stops every node (SIGTERM, one at a time so the last ones hand over leadership cleanly). */
export async function stopKafkaCluster ({ stateDir, ports, signal = 'SIGTERM' }: { stateDir: string, ports: number[], signal?: NodeJS.Signals }): Promise<string[]> {
  const stopped: string[] = []
  for (const port of ports) if (await stopKafka({ stateDir, port, signal })) stopped.push(`kafka on port ${port}`)
  return stopped
}

/** Client ports of every node of the cluster the node on `port` belongs to (from its controller.quorum.voters); [] when none. */
export function nodePortsOf (stateDir: string, port: number): number[] {
  try {
    const voters = /^controller\.quorum\.voters=(.*)$/m.exec(readFileSync(kafkaPaths(stateDir, port).properties, 'utf8'))?.[1] ?? ''
    return voters.split(',').map(v => Number(/:(\d+)$/.exec(v)?.[1]) - 1).filter(p => p > 0)
  } catch {
    return []
  }
}

/** The cluster id a node of this cluster was formatted with, so that a missing node joins it. */
function sharedClusterId (stateDir: string, ports: number[]): string | undefined {
  for (const port of ports) {
    try {
      const m = /^cluster\.id=(.+)$/m.exec(readFileSync(`${kafkaPaths(stateDir, port).data}/meta.properties`, 'utf8'))
      if (m) return m[1]!.trim()
    } catch { /* not formatted yet */ }
  }
  return undefined
}
