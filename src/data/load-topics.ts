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

/** The share of rows for the test topic, checked before anything is read or written. */
export async function startLoad (config: Config, testFraction: number): Promise<void> {
  if (!(testFraction >= 0 && testFraction <= 1)) throw new UsageError(`--test-fraction expects a number from 0 to 1, got ${testFraction}`)
  await requireKafka(config)
}

/** How the loading producer writes: see {@link openLoader}. */
export interface LoaderOptions {
  fresh: boolean
  compression: Compression
  /** Idempotent producer (one request in flight): a retry after a lost answer cannot write a row twice. */
  idempotent: boolean
  /** How long a produce request may wait for its answer before it is sent again (Java's request.timeout.ms). */
  requestTimeoutMs: number
}

/**
 * Creates `topics` (after deleting them when `fresh`) and opens the producer that writes them. It
 * rides out a broker's loss: retries for about 35 s, longer than a killed broker's partitions take
 * to get a new leader; idempotent, so the broker drops a retried request it had already appended.
 */
export async function openLoader (config: Config, topics: TopicSpec[], o: LoaderOptions): Promise<Producer<Buffer, Buffer, Buffer, Buffer>> {
  if (o.fresh) await deleteTopics(config.kafka, topics.map(t => t.name))
  await ensureTopics(config.kafka, topics)
  return new Producer({
    ...connectionOptions(config.kafka, 'loader'),
    timeout: o.requestTimeoutMs,
    partitioner: javaCompatiblePartitioner,
    compression: o.compression,
    acks: -1,
    idempotent: o.idempotent,
    retries: 40,
    retryDelay: (_client: unknown, _operation: string, attempt: number) => Math.min(10 * 2 ** (attempt - 1), 1000)
  })
}
