// Test data for the source tests: unique topics filled straight with the platformatic Producer.
import { Producer } from '@platformatic/kafka'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics, withAdmin } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'

export const kafka = loadConfig().kafka

/** The value of record `i`: its number, padded to `size` bytes so record sizes are known. */
export function valueOf (i: number, size = 0): Buffer {
  return Buffer.from(String(i).padStart(size, '0'))
}

/**
 * Creates `topic` and writes `count` records: record i goes to partition i % partitions, key
 * "i", value valueOf(i, valueSize), so each partition holds an increasing run of numbers.
 */
export async function topicWith (topic: string, count: number, { partitions = 1, valueSize = 0, from = 0 } = {}): Promise<void> {
  await ensureTopics(kafka, [{ name: topic, partitions }])
  const producer = new Producer({ ...connectionOptions(kafka, 'test-producer'), acks: -1 })
  try {
    // One send is one batch per partition; stay below the broker's 1 MiB batch limit.
    const chunk = Math.floor(800_000 / (valueSize + 40))
    for (let first = from; first < from + count; first += chunk) {
      const messages = []
      for (let i = first; i < Math.min(first + chunk, from + count); i++) {
        messages.push({ topic, partition: i % partitions, key: Buffer.from(String(i)), value: valueOf(i, valueSize) })
      }
      await producer.send({ messages })
    }
  } finally {
    await producer.close()
  }
}

export async function dropTopics (...topics: string[]): Promise<void> {
  await deleteTopics(kafka, topics)
}

/** The group's committed offset per partition of `topic` (-1 where none). */
export async function committedOffsets (groupId: string, topic: string, partitions: number): Promise<bigint[]> {
  return withAdmin(kafka, async admin => {
    const [group] = await admin.listConsumerGroupOffsets({ groups: [{ groupId, topics: [{ name: topic, partitionIndexes: Array.from({ length: partitions }, (_, i) => i) }] }] })
    const result = Array.from({ length: partitions }, () => -1n)
    for (const t of group?.topics ?? []) {
      if (t.name !== topic) continue
      for (const p of t.partitions) result[p.partitionIndex] = p.committedOffset
    }
    return result
  })
}
