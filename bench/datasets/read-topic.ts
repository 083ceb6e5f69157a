// Every committed record of a topic, all partitions, each in offset order: what the benchmark
// reads back from the train, test and predictions topics (a bounded read, no consumer group).
import { lastValueFrom, toArray } from 'rxjs'
import type { KafkaConfig } from '../../src/config.js'
import { endOffsets } from '../../src/kafka/admin.js'
import type { ConsumedRecord } from '../../src/record.js'
import { fromPartition } from '../../src/sources/partition.js'

export async function readTopic (kafka: KafkaConfig, topic: string): Promise<ConsumedRecord[]> {
  const ends = await endOffsets(kafka, topic, { readCommitted: true })
  const parts = await Promise.all(ends.map(async (end, partition) => end === 0n
    ? []
    : await lastValueFrom(fromPartition({ kafka, topic, partition, stop: end }).pipe(toArray()))))
  return parts.flat()
}

/** The values as text, partition after partition. */
export async function readValues (kafka: KafkaConfig, topic: string): Promise<string[]> {
  return (await readTopic(kafka, topic)).map(r => r.value?.toString('utf8') ?? '')
}
