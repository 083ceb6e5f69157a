// Shared by the online-learning and hot-swap tests: real SUSY rows into a fresh topic, unique
// names, and a plain (non-group) read of a topic to check what the trainer claims.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Producer } from '@platformatic/kafka'
import { lastValueFrom, map, toArray } from 'rxjs'
import type { KafkaConfig } from '../src/config.js'
import { ensureTopics } from '../src/kafka/admin.js'
import { connectionOptions } from '../src/kafka/connection.js'
import { fromPartition } from '../src/sources/partition.js'

/** The 8k real SUSY rows beside the project (never copied into it): /work/shared/data. */
export const SUSY_8K = fileURLToPath(new URL('../../../shared/data/susy-8k.csv', import.meta.url))
/** Rows of the 8k file that go to the train topic (the tutorial's 60/40 split). */
export const TRAIN_ROWS = 4800

export function uniqueName (prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
}

/** The first `rows` lines of the 8k file as tutorial messages: key = label, value = 18 features. */
export function susyMessages (rows = TRAIN_ROWS, offset = 0): Array<{ key: Buffer, value: Buffer }> {
  const lines = readFileSync(SUSY_8K, 'utf8').trim().split('\n').slice(offset, offset + rows)
  return lines.map(line => {
    const comma = line.indexOf(',')
    return { key: Buffer.from(line.slice(0, comma)), value: Buffer.from(line.slice(comma + 1)) }
  })
}

/** Creates `topic` and writes the messages to partition 0 in order, acks=all. */
export async function produceRows (kafka: KafkaConfig, topic: string, messages: Array<{ key: Buffer, value: Buffer }>, partitions = 1): Promise<void> {
  await ensureTopics(kafka, [{ name: topic, partitions }])
  const producer = new Producer({ ...connectionOptions(kafka, 'test-loader'), acks: -1 })
  try {
    for (let i = 0; i < messages.length; i += 500) {
      await producer.send({ messages: messages.slice(i, i + 500).map((m, j) => ({ topic, partition: (i + j) % partitions, key: m.key, value: m.value })) })
    }
  } finally {
    await producer.close()
  }
}

/** Offsets of every committed record in `partition` of `topic`, read without a group. */
export async function recordOffsets (kafka: KafkaConfig, topic: string, partition = 0): Promise<bigint[]> {
  return lastValueFrom(fromPartition({ topic, partition, kafka }).pipe(map(r => r.offset), toArray()))
}
