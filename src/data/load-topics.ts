// How both loaders (SUSY's and a spec's) begin: the split checked, Kafka reachable, the topics
// created (deleted first with --fresh) and the loading producer: Java's partitioner, so keyed
// records land where a Java client puts them, and acks from every in-sync replica.
import { Producer } from '@platformatic/kafka'
import type { Config } from '../config.js'
import { UsageError } from '../errors.js'
import { deleteTopics, ensureTopics, type TopicSpec } from '../kafka/admin.js'
import { connectionOptions } from '../kafka/connection.js'
import { javaCompatiblePartitioner } from '../kafka/partitioner.js'
import { requireKafka } from '../infra/probe.js'

/** Kafka's batch compression for what a load writes. */
export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4'

type ProducerOptions = ConstructorParameters<typeof Producer>[0]

/** The share of rows for the test topic, checked before anything is read or written. */
export async function startLoad (config: Config, testFraction: number): Promise<void> {
  if (!(testFraction >= 0 && testFraction <= 1)) throw new UsageError(`--test-fraction expects a number from 0 to 1, got ${testFraction}`)
  await requireKafka(config)
}

/** Creates `topics` (after deleting them when `fresh`) and opens the producer that writes them. */
export async function openLoader (config: Config, topics: TopicSpec[], { fresh, compression, retries }: { fresh: boolean, compression: Compression, retries?: Pick<ProducerOptions, 'retries' | 'retryDelay'> }): Promise<Producer> {
  if (fresh) await deleteTopics(config.kafka, topics.map(t => t.name))
  await ensureTopics(config.kafka, topics)
  return new Producer({
    ...connectionOptions(config.kafka, 'loader'),
    partitioner: javaCompatiblePartitioner,
    compression,
    acks: -1,
    ...retries
  })
}
