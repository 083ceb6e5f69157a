// Synthetic SUSY-shaped input for scoring tests: label key ("0"/"1"), 18 comma-separated
// features, spread round-robin over the topic's partitions. Written without transactions.
import { Producer } from '@platformatic/kafka'
import type { KafkaConfig } from '../../src/config.js'
import { ensureTopics } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'

export function syntheticRow (i: number): { key: string, value: string } {
  const features: string[] = []
  for (let j = 0; j < 18; j++) features.push((Math.sin(i * 0.37 + j * 1.3) * 2).toFixed(6))
  return { key: String(i % 3 === 0 ? 1 : 0), value: features.join(',') }
}

/**
 * Writes `count` rows to `topic` (created with `partitions` if missing), rows `from` onwards. `bad`
 * lists row indexes written with a broken value, to exercise the dead-letter path.
 */
export async function writeSynthetic (kafka: KafkaConfig, topic: string, count: number, { partitions = 4, bad = [] as number[], chunk = 5000, from = 0 } = {}): Promise<void> {
  await ensureTopics(kafka, [{ name: topic, partitions }])
  const producer = new Producer({ ...connectionOptions(kafka, 'synthetic'), idempotent: true })
  const badSet = new Set(bad)
  try {
    for (let start = from; start < from + count; start += chunk) {
      const messages = []
      for (let i = start; i < Math.min(from + count, start + chunk); i++) {
        const row = syntheticRow(i)
        messages.push({ topic, partition: i % partitions, key: Buffer.from(row.key), value: Buffer.from(badSet.has(i) ? 'not,a,row' : row.value) })
      }
      await producer.send({ messages })
    }
  } finally {
    await producer.close()
  }
}
