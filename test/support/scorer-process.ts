// Runs `node bin/streamfit.js score ...` as a child process, the way an operator would, so that
// tests can SIGKILL it at arbitrary moments.
import type { ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { Consumer, FetchIsolationLevels } from '@platformatic/kafka'
import { connectionOptions } from '../../src/kafka/connection.js'
import type { KafkaConfig } from '../../src/config.js'
import { withAdmin } from '../../src/kafka/admin.js'
import { committedOffsets } from '../../src/kafka/offsets.js'
import { startCli } from './cli.js'

/** A scorer's topics and registry prefix, all named after `id`, on the given broker and Redis. */
export function scorerEnv (id: string, brokers: string, redisUrl: string): ScorerEnv {
  return { brokers, redisUrl, registryPrefix: `streamfit-test:${id}:`, input: `${id}-in`, predictions: `${id}-pred`, dlq: `${id}-dlq` }
}

export interface ScorerEnv {
  brokers: string
  redisUrl: string
  registryPrefix: string
  input: string
  predictions: string
  dlq: string
}

export interface ScorerExit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface ScorerProcess {
  child: ChildProcess
  exited: Promise<ScorerExit>
  /** The parsed --json line once it exited normally. */
  result (): Promise<Record<string, number | string>>
}

/** `extraEnv` adds to (or overrides) the environment, e.g. STREAMFIT_FAIL for injected failures. */
export function startScorer (env: ScorerEnv, args: string[], extraEnv: NodeJS.ProcessEnv = {}): ScorerProcess {
  const cli = startCli('score', ['score', '--json', ...args], {
    KAFKA_BROKERS: env.brokers,
    REDIS_URL: env.redisUrl,
    STREAMFIT_REGISTRY_PREFIX: env.registryPrefix,
    STREAMFIT_TEST_TOPIC: env.input,
    STREAMFIT_PREDICTIONS_TOPIC: env.predictions,
    STREAMFIT_DLQ_TOPIC: env.dlq,
    STREAMFIT_LOG_LEVEL: process.env.STREAMFIT_LOG_LEVEL ?? 'warn',
    ...extraEnv
  })
  const child = cli.child
  const exited = cli.exited.then(exit => {
    if (process.env.EOS_LOG_DIR) writeFileSync(`${process.env.EOS_LOG_DIR}/scorer-${child.pid}.err`, exit.stderr)
    return exit
  })
  return {
    child,
    exited,
    async result () {
      const exit = await exited
      if (exit.code !== 0) throw new Error(`scorer exited with ${exit.code ?? exit.signal}: ${exit.stderr.slice(-4000)}`)
      const line = exit.stdout.trim().split('\n').pop() ?? ''
      return JSON.parse(line) as Record<string, number | string>
    }
  }
}

/** Records of `topic` (written from offset 0) whose offsets `group` has committed: the scorers' progress. */
export async function committedCount (kafka: KafkaConfig, group: string, topic: string): Promise<number> {
  try {
    const offsets = await withAdmin(kafka, admin => committedOffsets(admin, group, { topics: [topic] }))
    let sum = 0
    for (const o of offsets.get(topic)?.values() ?? []) sum += Number(o)
    return sum
  } catch {
    return 0 // the broker is away (restart tests): no progress seen
  }
}

/** Polls until `group` has committed at least `count` records of `topic`, or the scorer exits. */
export async function waitForProgress (kafka: KafkaConfig, group: string, topic: string, count: number, scorer: ScorerProcess, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let exited = false
  void scorer.exited.then(() => { exited = true })
  for (;;) {
    const done = await committedCount(kafka, group, topic)
    if (done >= count) return done
    if (exited) throw new Error(`scorer exited before committing ${count} records (at ${done}): ${(await scorer.exited).stderr.slice(-2000)}`)
    if (Date.now() > deadline) throw new Error(`no progress to ${count} records within ${timeoutMs} ms (at ${done})`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

export function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** Polls until the group has `n` members that all have partitions assigned. */
export async function waitForMembers (kafka: KafkaConfig, group: string, n: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const members = await assignments(kafka, group)
    if (members.size === n && [...members.values()].every(parts => parts.length > 0)) return
    if (Date.now() > deadline) throw new Error(`group ${group} did not reach ${n} members with partitions within ${timeoutMs} ms`)
    await sleep(200)
  }
}

/** Static member id (group.instance.id) -> the partitions it holds, while the group is stable. */
export async function assignments (kafka: KafkaConfig, group: string): Promise<Map<string, number[]>> {
  return withAdmin(kafka, async admin => {
    const out = new Map<string, number[]>()
    const g = (await admin.describeGroups({ groups: [group] })).get(group)
    if (g === undefined || g.state !== 'STABLE') return out
    for (const m of g.members.values()) {
      out.set(m.groupInstanceId ?? m.id, [...(m.assignments?.values() ?? [])].flatMap(a => a.partitions))
    }
    return out
  }).catch(() => new Map<string, number[]>())
}

/** Polls until the committed offset of one of `partitions` moved past `from`: that member is working. */
export async function waitForPartitionsProgress (kafka: KafkaConfig, group: string, topic: string, partitions: number[], timeoutMs = 60_000): Promise<void> {
  const read = async (): Promise<Map<number, bigint>> => (await withAdmin(kafka, admin => committedOffsets(admin, group, { topics: [topic] }))).get(topic) ?? new Map()
  const from = await read()
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const now = await read()
    if (partitions.some(p => (now.get(p) ?? 0n) > (from.get(p) ?? 0n))) return
    if (Date.now() > deadline) throw new Error(`no progress on partitions ${partitions.join(',')} of ${topic} within ${timeoutMs} ms`)
    await sleep(100)
  }
}

/**
 * Polls the output topic until a transaction is visibly open on it (the log end, read
 * uncommitted, is past the last stable offset) or `timeoutMs` passes. Killing then hits a
 * transaction whose records are already in the log.
 */
export async function waitForOpenTransaction (kafka: KafkaConfig, topic: string, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  const consumer = new Consumer({ ...connectionOptions(kafka, 'lso-probe'), groupId: 'streamfit-lso-probe' })
  try {
    while (Date.now() < deadline) {
      const [end, stable] = await Promise.all([
        consumer.listOffsets({ topics: [topic], isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED }),
        consumer.listOffsets({ topics: [topic], isolationLevel: FetchIsolationLevels.READ_COMMITTED })
      ])
      const e = end.get(topic) ?? []
      const s = stable.get(topic) ?? []
      if (e.some((o, p) => o > (s[p] ?? o))) return true
    }
    return false
  } finally {
    await consumer.close()
  }
}
