// Shared by the ML and training tests: the repository's real SUSY rows as arrays, topics of
// generated rows.
import { Producer } from '@platformatic/kafka'
import { loadConfig } from '../../src/config.js'
import { ensureTopics } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { syntheticRows } from '../../src/data/synthetic.js'
import { susyLines } from './paths.js'

export const config = loadConfig()
export const kafka = config.kafka

export interface Rows { xs: Float32Array; ys: Float32Array; n: number }

/** The repository's 8k real SUSY rows (label first) as flat arrays. */
export function readSusyRows (): Rows {
  const lines = susyLines()
  const n = lines.length
  const xs = new Float32Array(n * 18)
  const ys = new Float32Array(n)
  lines.forEach((line, i) => {
    const cells = line.split(',').map(Number)
    ys[i] = cells[0]
    for (let j = 0; j < 18; j++) xs[i * 18 + j] = cells[j + 1]
  })
  return { xs, ys, n }
}

/** Creates `topic` holding `count` generated SUSY-shaped rows (key = label, value = CSV). */
export async function syntheticTopic (topic: string, count: number, seed = 1): Promise<void> {
  await ensureTopics(kafka, [{ name: topic, partitions: 1 }])
  const next = syntheticRows(seed)
  const producer = new Producer({ ...connectionOptions(kafka, 'test-producer'), acks: -1 })
  try {
    const messages = Array.from({ length: count }, () => {
      const row = next()
      return { topic, key: Buffer.from(String(row.label)), value: Buffer.from(row.value) }
    })
    for (let i = 0; i < messages.length; i += 2000) await producer.send({ messages: messages.slice(i, i + 2000) })
  } finally {
    await producer.close()
  }
}

export async function rejects (fn: () => Promise<unknown>, check: (e: Error) => boolean, message = 'expected a rejection'): Promise<void> {
  let failure: Error | null = null
  try {
    await fn()
  } catch (error) {
    failure = error as Error
  }
  if (failure === null) throw new Error(message)
  if (!check(failure)) throw new Error(`${message}: unexpected error ${failure.message}`)
}
