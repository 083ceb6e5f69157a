// What the Keras import proofs share (test/integration/keras-import.test.ts, savedmodel-import.test.ts):
// the Python environment of test/python/setup-keras-env.sh running keras_susy.py, and the SUSY rows
// Keras is judged on, written to a topic so row i's offset is known.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Producer } from '@platformatic/kafka'
import * as assert from 'uvu/assert'
import type { KafkaConfig } from '../../src/config.js'
import { ensureTopics } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { parsePrediction } from '../../src/codec/prediction.js'
import { startCli } from './cli.js'
import { javaReadCommitted } from './java-referee.js'
import { uniqueName } from './names.js'
import { PACKAGE_ROOT, susyLines } from './paths.js'

export const VENV = process.env.STREAMFIT_KERAS_VENV ?? join(PACKAGE_ROOT, '.venv-keras')
const PYTHON = join(VENV, 'bin', 'python')
const SCRIPT = join(PACKAGE_ROOT, 'test', 'python', 'keras_susy.py')

/** Without the environment the proofs FAIL (never skip), saying how to create it. */
export function requirePython (): void {
  if (!existsSync(PYTHON)) {
    throw new Error(`the Keras import proof needs its Python environment (TensorFlow 2.16.2, tf-keras, tensorflowjs) at ${VENV}: ` +
      'create it with test/python/setup-keras-env.sh (STREAMFIT_KERAS_VENV chooses the place; CI runs it before the tests)')
  }
}

/**
 * Runs keras_susy.py with `args`; resolves its stdout. A minute of CPU at most, but TensorFlow's
 * start takes several on a machine shared by other jobs (load 20 on 2 cores seen): hence 10 minutes.
 */
export function kerasSusy (args: string[]): Promise<string> {
  requirePython()
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, ...args], { maxBuffer: 64 << 20, timeout: 600_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } },
      (error, stdout, stderr) => error
        ? reject(new Error(`keras_susy.py ${args[0]} failed${error.killed === true ? ' (killed after 10 minutes)' : ''}: ${error.message}\n${stderr.slice(-3000)}`))
        : resolve(stdout))
  })
}

/** SUSY rows [from, from + rows) as key (label) and value (18 features). */
export function susyRows (from: number, rows: number): Array<{ key: string, value: string }> {
  return susyLines().slice(from, from + rows).map(line => {
    const comma = line.indexOf(',')
    return { key: line.slice(0, comma), value: line.slice(comma + 1) }
  })
}

/** Writes the rows to a new 2-partition topic: row i goes to partition i % 2, in order, so its offset there is i >> 1. */
export async function writeSusyRows (kafka: KafkaConfig, topic: string, from: number, rows: number): Promise<void> {
  await ensureTopics(kafka, [{ name: topic, partitions: 2 }])
  const producer = new Producer({ ...connectionOptions(kafka, 'keras-import'), idempotent: true })
  try {
    await producer.send({ messages: susyRows(from, rows).map((row, i) => ({ topic, partition: i % 2, key: Buffer.from(row.key), value: Buffer.from(row.value) })) })
  } finally {
    await producer.close()
  }
}

/** The rows' 18 features, row-major, as float32 (streamfit's decoder rounds the same way). */
export function susyFeatures (from: number, rows: number): Float32Array {
  const all = susyRows(from, rows)
  const xs = new Float32Array(all.length * 18)
  all.forEach((row, i) => row.value.split(',').forEach((v, j) => { xs[i * 18 + j] = Number(v) }))
  return xs
}

export function maxDelta (a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.is(a.length, b.length)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}

/**
 * What the proofs use of tfjs-node: tfjs itself, with file:// readers, and tf.node.loadSavedModel.
 * Typed here, not by `typeof import('@tensorflow/tfjs-node')`: that package is installed by
 * `streamfit backend install`, after `npm ci` has built the project (a fresh clone has no types for it).
 */
export type TfjsNode = typeof import('@tensorflow/tfjs') & {
  node: { loadSavedModel (path: string): Promise<{ predict (x: import('@tensorflow/tfjs').Tensor): import('@tensorflow/tfjs').Tensor | import('@tensorflow/tfjs').Tensor[], dispose (): void }> }
}

/** tfjs-node (the native backend, `streamfit backend install`): the file readers and loadSavedModel the proofs use as referees. */
export async function tfjsNode (what: string): Promise<TfjsNode> {
  const name = '@tensorflow/tfjs-node'
  try {
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2'
    return await import(name) as TfjsNode
  } catch (error) {
    throw new Error(`${what} needs ${name}: install it with \`streamfit backend install\` (CI does): ${(error as Error).message.split('\n')[0]}`)
  }
}

/**
 * `streamfit score` of `model` on `backend` over the rows written by writeSusyRows to `input`, to
 * fresh topics (pushed onto `topics` for cleanup); Kafka's Java read_committed consumer reads the
 * predictions back, each row exactly once. Resolves the scores in row order.
 */
export async function scoredExactlyOnce (o: { name: string, backend: string, model: string, input: string, rows: number, kafka: KafkaConfig, env: Record<string, string>, topics: string[] }): Promise<number[]> {
  const predictions = uniqueName(`${o.name}-out-${o.backend}`)
  const dlq = uniqueName(`${o.name}-dlq-${o.backend}`)
  o.topics.push(predictions, dlq)
  await ensureTopics(o.kafka, [{ name: predictions, partitions: 2 }, { name: dlq, partitions: 1 }])
  const run = startCli('score', ['score', '--backend', o.backend, '--model', o.model, '--group', uniqueName(`${o.name}-g`), '--stream-timeout', '2000', '--json'],
    { ...o.env, STREAMFIT_PREDICTIONS_TOPIC: predictions, STREAMFIT_DLQ_TOPIC: dlq })
  const exit = await run.exited
  assert.is(exit.code, 0, exit.stderr)
  // Kafka's own Java consumer, read_committed, is the judge of what was written.
  const seen = new Map<number, number>()
  for (const line of await javaReadCommitted(o.kafka.brokers.join(','), predictions)) {
    const p = parsePrediction(Buffer.from(line.split(' ').slice(2).join(' ')))
    assert.is(p.source.topic, o.input)
    assert.is(p.model, o.model)
    const row = p.source.offset * 2 + p.source.partition
    assert.ok(!seen.has(row), `row ${row} predicted once (${o.backend})`)
    seen.set(row, p.score)
  }
  assert.is(seen.size, o.rows, `every row predicted (${o.backend})`)
  return Array.from({ length: o.rows }, (_, i) => seen.get(i)!)
}
