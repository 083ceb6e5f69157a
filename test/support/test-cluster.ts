// A private three-node KRaft cluster for failure tests: free ports, its own data directories
// (kafka-<port>/ in the state dir that holds the jars, removed afterwards), and the moves a
// failure test makes: find the node that leads a partition or coordinates a group or a
// transactional id (through the admin API), kill it -9 or stop it cleanly, start it again.
import { rmSync } from 'node:fs'
import { Admin, FindCoordinatorKeyTypes } from '@platformatic/kafka'
import { loadConfig, type KafkaConfig } from '../../src/config.js'
import { stopKafka } from '../../src/infra/kafka-broker.js'
import { startClusterNode, startKafkaCluster, stopKafkaCluster } from '../../src/infra/kafka-cluster.js'
import { kafkaPaths } from '../../src/infra/paths.js'
import { readPid } from '../../src/infra/pidfile.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { topicReplication } from '../../src/kafka/replication.js'
import { freePortPair, waitFor } from './wait.js'

export interface TestCluster {
  kafka: KafkaConfig
  brokers: string
  ports: number[]
  /** Node id (1..3) -> client port. */
  portOf (node: number): number
  leaderOf (topic: string, partition: number): Promise<number>
  coordinatorOf (kind: 'group' | 'transaction', key: string): Promise<number>
  /** kill -9 (crash) or SIGTERM (clean shutdown) of one node; waits until the others no longer list it. */
  stop (node: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>
  start (node: number): Promise<void>
  /** SIGSTOP: a hung broker (a long GC pause, a frozen VM); returns once the others fenced it. */
  pause (node: number): Promise<void>
  /** SIGCONT of a paused node. */
  resume (node: number): void
  /** Waits until every partition of `topics` has all its replicas in sync again. */
  inSync (topics: string[], timeoutMs?: number): Promise<void>
  close (): Promise<void>
}

const JVM = ['-XX:TieredStopAtLevel=1']

/** Tests fence a crashed broker after 4 s instead of Kafka's 9 s; a bench passes `extra: {}` for Kafka's own timing. */
const FAST_FENCING = { 'broker.session.timeout.ms': 4000, 'broker.heartbeat.interval.ms': 1000 }

export async function startTestCluster (nodes = 3, { extra = FAST_FENCING as Record<string, string | number> } = {}): Promise<TestCluster> {
  const stateDir = loadConfig().stateDir
  const ports: number[] = []
  while (ports.length < nodes) {
    const p = await freePortPair()
    if (!ports.some(q => Math.abs(q - p) < 2)) ports.push(p)
  }
  // A crashed broker is fenced (its leaderships and coordinators move) after 4 s instead of 9 s.
  // C1 only: the JIT costs less CPU while a node starts beside two others and the app under test.
  const info = await startKafkaCluster({ stateDir, ports, heap: '384m', jvmOptions: JVM, extra })
  const kafka: KafkaConfig = { ...loadConfig().kafka, brokers: info.brokers.split(',') }
  const portOf = (node: number): number => ports[node - 1]!
  const live = (): KafkaConfig => ({ ...kafka, brokers: kafka.brokers.filter((_, i) => down.has(i + 1) === false) })
  const down = new Set<number>()
  const withLiveAdmin = async <T>(fn: (admin: Admin) => Promise<T>): Promise<T> => {
    const admin = new Admin({ ...connectionOptions(live(), 'test-cluster'), retries: 5, retryDelay: 500 })
    try { return await fn(admin) } finally { await admin.close().catch(() => {}) }
  }
  return {
    kafka,
    brokers: info.brokers,
    ports,
    portOf,
    leaderOf: (topic, partition) => waitFor(`a leader of ${topic}-${partition}`, () => withLiveAdmin(async admin => {
      const leader = (await topicReplication(admin, [topic])).find(r => r.partition === partition)?.leader ?? -1
      return leader > 0 ? leader : null
    }), { timeoutMs: 30_000, everyMs: 500 }),
    coordinatorOf: (kind, key) => waitFor(`the ${kind} coordinator of ${key}`, () => withLiveAdmin(async admin => {
      const [found] = await admin.findCoordinator({ keyType: kind === 'group' ? FindCoordinatorKeyTypes.GROUP : FindCoordinatorKeyTypes.TRANSACTION, keys: [key] })
      return found !== undefined && found.nodeId > 0 ? found.nodeId : null
    }), { timeoutMs: 30_000, everyMs: 500 }),
    async stop (node, signal) {
      down.add(node)
      await stopKafka({ stateDir, port: portOf(node), signal, graceMs: 30_000 })
      // A crashed broker stays in the metadata until its session times out (broker.session.timeout.ms, 9 s).
      await waitFor(`node ${node} to leave the cluster metadata`, () => withLiveAdmin(async admin => !(await admin.metadata({ topics: [] })).brokers.has(node)), { timeoutMs: 30_000, everyMs: 500 })
    },
    async pause (node) {
      const pid = readPid(kafkaPaths(stateDir, portOf(node)).pid)
      if (pid === null) throw new Error(`node ${node} has no pid file`)
      process.kill(pid, 'SIGSTOP')
      down.add(node)
      await waitFor(`paused node ${node} to be fenced`, () => withLiveAdmin(async admin => !(await admin.metadata({ topics: [] })).brokers.has(node)), { timeoutMs: 30_000, everyMs: 250 })
    },
    resume (node) {
      const pid = readPid(kafkaPaths(stateDir, portOf(node)).pid)
      if (pid !== null) process.kill(pid, 'SIGCONT')
      down.delete(node)
    },
    async start (node) {
      await startClusterNode({ stateDir, port: portOf(node), heap: '384m', jvmOptions: JVM })
      down.delete(node)
    },
    inSync: (topics, timeoutMs = 60_000) => waitFor(`all replicas of ${topics.join(', ')} in sync`, () => withLiveAdmin(async admin =>
      (await topicReplication(admin, topics)).every(r => r.leader > 0 && r.inSync === r.replicas)), { timeoutMs, everyMs: 500 }).then(() => {}),
    async close () {
      await stopKafkaCluster({ stateDir, ports, signal: 'SIGKILL' }).catch(() => [])
      for (const port of ports) rmSync(kafkaPaths(stateDir, port).dir, { recursive: true, force: true })
    }
  }
}
