// Keeps rows flowing into a topic while a test watches a running app: synthetic SUSY-shaped
// rows, `rows` every `everyMs`, round-robin over the partitions; every `badEvery`-th row cannot
// be decoded (so the dead-letter path has something to show).
import { Producer } from '@platformatic/kafka'
import type { KafkaConfig } from '../../src/config.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { syntheticRow } from './synthetic.js'

export interface Feeder {
  /** Rows written so far. */
  readonly written: number
  stop (): Promise<void>
}

export function feedRows (kafka: KafkaConfig, topic: string, { partitions = 1, rows = 100, everyMs = 250, badEvery = 0 } = {}): Feeder {
  const producer = new Producer({ ...connectionOptions(kafka, 'feeder'), idempotent: true })
  let written = 0
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const messages = []
      for (let i = written; i < written + rows; i++) {
        const row = syntheticRow(i)
        const bad = badEvery > 0 && i % badEvery === badEvery - 1
        messages.push({ topic, partition: i % partitions, key: Buffer.from(row.key), value: Buffer.from(bad ? 'not,a,row' : row.value) })
      }
      await producer.send({ messages })
      written += rows
      await new Promise(resolve => setTimeout(resolve, everyMs))
    }
  })()
  // A failed send surfaces from stop(); until then it must not be an unhandled rejection.
  loop.catch(() => {})
  return {
    get written () { return written },
    stop: async () => {
      stopped = true
      try { await loop } finally { await producer.close() }
    }
  }
}
