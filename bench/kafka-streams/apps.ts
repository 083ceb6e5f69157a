// Starting either side of the comparison the same way for every bench that runs them
// (main.ts on the shared broker, cluster.ts on its own three-node cluster): the Kafka Streams
// pass-through app, tuned or stock, or `streamfit score` as the CLI runs it.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { KafkaConfig } from '../../src/config.js'
import { ensureTopics, withAdmin } from '../../src/kafka/admin.js'
import { cliNodeFlags } from '../cli-node-flags.js'
import { startKafkaStreams, type Guarantee } from './java.js'

const CLI = join(fileURLToPath(new URL('../../../', import.meta.url)), 'bin', 'streamfit.js')
const STREAMFIT_GUARANTEE: Record<Guarantee, string> = { at_least_once: 'at-least-once', exactly_once_v2: 'exactly-once' }

export interface ProducerTuning { batchBytes: number, lingerMs: number }
/** Kafka Streams with `producer` (batch.size, linger.ms) set, or its stock producer when absent. */
export type System = { kind: 'kafka-streams', producer?: ProducerTuning } | { kind: 'streamfit', backend: 'node' | 'wasm' }

export function label (system: System): string {
  if (system.kind === 'streamfit') return `streamfit score (${system.backend})`
  const p = system.producer
  return `Kafka Streams 4.1.1 pass-through (no model), ${p === undefined ? 'stock producer (batch.size 16 KiB)' : `batch.size ${p.batchBytes / 1024} KiB, linger.ms ${p.lingerMs}`}`
}

/** 'tuned' or 'stock' for a Kafka Streams app, undefined for streamfit. */
export function variant (system: System): 'tuned' | 'stock' | undefined {
  return system.kind === 'streamfit' ? undefined : system.producer === undefined ? 'stock' : 'tuned'
}

export interface Started { child: ChildProcess, group: string, ready: Promise<void> }

export interface StartOptions {
  kafka: KafkaConfig
  guarantee: Guarantee
  input: string
  output: string
  /** The registry prefix the model was stored under. */
  prefix: string
  batchSize: number
  /** Group / application id, also the base of the transactional id. */
  group: string
  /** Dead-letter topic for streamfit (created here). */
  dlq: string
}

export function startApp (system: System, o: StartOptions): Started {
  const brokers = o.kafka.brokers.join(',')
  if (system.kind === 'kafka-streams') {
    const { child, running } = startKafkaStreams(brokers, o.group, o.input, o.output, o.guarantee, system.producer)
    return { child, group: o.group, ready: handled(running) }
  }
  // With the Node flags of the CLI's shebang, as `npx streamfit` runs it.
  const child = spawn(process.execPath, [...cliNodeFlags(), CLI, 'score', '--group', o.group, '--transactional-id', `${o.group}-tx`, '--batch-size', String(o.batchSize),
    '--backend', system.backend, '--guarantee', STREAMFIT_GUARANTEE[o.guarantee], '--stream-timeout', '-1', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KAFKA_BROKERS: brokers, STREAMFIT_TEST_TOPIC: o.input, STREAMFIT_PREDICTIONS_TOPIC: o.output, STREAMFIT_DLQ_TOPIC: o.dlq, STREAMFIT_REGISTRY_PREFIX: o.prefix, STREAMFIT_LOG_LEVEL: 'warn' }
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
  child.stdout!.resume()
  const ready = (async () => {
    await ensureTopics(o.kafka, [{ name: o.dlq, partitions: 1 }])
    for (;;) {
      if (child.exitCode !== null) throw new Error(`streamfit score exited ${child.exitCode}: ${stderr.slice(-1000)}`)
      const groups = await withAdmin(o.kafka, admin => admin.describeGroups({ groups: [o.group] }))
      const g = groups.get(o.group)
      if (g?.state === 'STABLE' && g.members.size > 0) return
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  })()
  child.once('exit', code => { if (code !== 0 && code !== null) process.stderr.write(`streamfit score exited ${code}: ${stderr.slice(-1500)}\n`) })
  return { child, group: o.group, ready: handled(ready) }
}

/**
 * Marks `ready` as handled: a bench that follows the group instead of awaiting it must not crash on
 * an unhandled rejection (skipping its cleanup, e.g. a private cluster left running); an awaiter still sees the error.
 */
function handled (ready: Promise<void>): Promise<void> {
  ready.catch(() => {})
  return ready
}

/** A fresh group id under `runId`. */
export function newGroup (runId: string): string {
  return `versus-${runId}-${randomBytes(2).toString('hex')}`
}
