// Helpers of the cluster failure tests that score while brokers die: input written throughout,
// scorer processes watched for an early exit, and the Java read_committed referee that checks
// every input offset appears exactly once in an output.
import { Producer } from '@platformatic/kafka'
import type { KafkaConfig } from '../../src/config.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { javaReadCommitted } from './java-referee.js'
import { committedCount, startScorer, type ScorerEnv, type ScorerProcess } from './scorer-process.js'
import { syntheticRow } from './synthetic.js'
import { waitFor } from './wait.js'

/** Writes rows to `topic` until stopped, riding out failed sends (a failed send is sent again: inputs may repeat, never vanish). */
export function feedThroughout (kafka: KafkaConfig, topic: string, partitions: number): { stop: () => Promise<void>, failures: () => number } {
  const producer = new Producer({ ...connectionOptions(kafka, 'feeder'), idempotent: true, retries: 20, retryDelay: 250 })
  let stopped = false
  let failures = 0
  let i = 0
  const loop = (async () => {
    while (!stopped) {
      const messages = Array.from({ length: 25 }, (_, k) => {
        const row = syntheticRow(i + k)
        return { topic, partition: (i + k) % partitions, key: Buffer.from(row.key), value: Buffer.from(row.value) }
      })
      try {
        await producer.send({ messages })
        i += messages.length
      } catch {
        failures++
      }
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  })()
  return { stop: async () => { stopped = true; await loop; await producer.close() }, failures: () => failures }
}

/** Scorer processes of one consumer group, each with its own transactional id, on `env`'s topics. */
export interface ScorerGroup {
  group: string
  env: ScorerEnv
  scorers: ScorerProcess[]
  /** The first early exit seen ("scorer <id> exited with …"), if any. */
  exitedEarly (): string | undefined
  /** Waits until the group's committed input offsets move `step` records past where they are now. */
  progress (kafka: KafkaConfig, what: string, step?: number): Promise<void>
}

export function startScorerGroup (env: ScorerEnv, group: string, transactionalIds: string[], args: string[]): ScorerGroup {
  let early: string | undefined
  const scorers = transactionalIds.map(tx => {
    const scorer = startScorer(env, ['--group', group, '--transactional-id', tx, ...args])
    void scorer.exited.then(exit => { early ??= `scorer ${tx} exited with ${exit.code ?? exit.signal}: ${exit.stderr.slice(-1500)}` })
    return scorer
  })
  return {
    group,
    env,
    scorers,
    exitedEarly: () => early,
    async progress (kafka, what, step = 200) {
      const from = await committedCount(kafka, group, env.input)
      await waitFor(`group ${group} to commit past ${from} after ${what}`, async () => {
        if (early !== undefined) throw new Error(early)
        return (await committedCount(kafka, group, env.input)) > from + step
      }, { timeoutMs: 90_000, everyMs: 250 })
    }
  }
}

export interface RefereeReport {
  inputs: number
  predictions: number
  duplicates: string[]
  missing: string[]
  /** Distinct input offsets ("partition:offset") found in the output. */
  distinct: number
  summary: string
}

/**
 * Kafka's Java read_committed consumer reads `input` and `output`; every prediction names its
 * source offset, so each input offset must appear exactly once. `inputs` is passed in when the
 * caller already read the input (several outputs of one input).
 */
export async function refereeExactlyOnce (brokers: string, output: string, inputs: string[]): Promise<RefereeReport> {
  const seen = new Map<string, number>()
  for (const line of await javaReadCommitted(brokers, output)) {
    const source = (JSON.parse(line.split(' ').slice(2).join(' ')) as { source: { partition: number, offset: number } }).source
    const key = `${source.partition}:${source.offset}`
    seen.set(key, (seen.get(key) ?? 0) + 1)
  }
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([k]) => k)
  const missing = inputs.filter(k => !seen.has(k))
  const predictions = [...seen.values()].reduce((a, b) => a + b, 0)
  const summary = `${output}: inputs ${inputs.length}, predictions ${predictions}, duplicates ${duplicates.length} (${duplicates.slice(0, 3).join(' ')}), missing ${missing.length} (${missing.slice(0, 3).join(' ')})`
  return { inputs: inputs.length, predictions, duplicates, missing, distinct: seen.size, summary }
}

/** "partition:offset" of every record of `input` the referee reads. */
export async function refereeInputs (brokers: string, input: string): Promise<string[]> {
  return (await javaReadCommitted(brokers, input)).map(l => l.split(' ', 2).join(':'))
}
