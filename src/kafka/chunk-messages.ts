// Splits messages into produce requests the broker accepts. A request carries one record batch
// per partition, and the broker refuses a batch over the topic's max.message.bytes (1 MiB by
// default), so the limit is per partition: a request holds up to BATCH_BUDGET bytes for each
// partition it writes. Every request is a round trip a transaction waits for, so fewer is
// faster: predictions over two partitions take one request per ~1.8 MB, not per 512 KB.
import type { MessageToProduce, Producer } from '@platformatic/kafka'
import { javaCompatiblePartitioner } from './partitioner.js'

/** Estimated bytes of one partition's records in a request, at most (under 1 MiB, with margin). */
export const BATCH_BUDGET = 900 * 1024
/** Estimated bytes of a whole request, at most: bounds one request's time on many partitions. */
export const REQUEST_BUDGET = 8 * 1024 * 1024
/** A record's framing beyond its key, value and headers: length, attributes, deltas, sizes. */
const RECORD_OVERHEAD = 24

/** The partition a message goes to (topic-wide number), as the sink producer will choose it. */
export type PartitionOf<M> = (message: M) => number

export function chunkMessages<M extends MessageToProduce> (messages: readonly M[], partitionOf: PartitionOf<M>, budget = BATCH_BUDGET, requestBudget = REQUEST_BUDGET): M[][] {
  const chunks: M[][] = []
  let chunk: M[] = []
  // Bytes so far in this request, per topic and partition (no string built per message).
  let perPartition = new Map<string, Map<number, number>>()
  let total = 0
  // Predictions share one header map per model version: size it once per run of messages.
  let headers: MessageToProduce['headers'] | null = null
  let headersSize = 0
  for (const m of messages) {
    const partition = partitionOf(m)
    if (m.headers !== headers) {
      headers = m.headers
      headersSize = sizeOfHeaders(headers)
    }
    const size = byteLength(m.key) + byteLength(m.value) + RECORD_OVERHEAD + headersSize
    let bytes = perPartition.get(m.topic)?.get(partition) ?? 0
    if (chunk.length > 0 && (bytes + size > budget || total + size > requestBudget)) {
      chunks.push(chunk)
      chunk = []
      perPartition = new Map()
      total = 0
      bytes = 0
    }
    chunk.push(m)
    let topic = perPartition.get(m.topic)
    if (topic === undefined) perPartition.set(m.topic, topic = new Map())
    topic.set(partition, bytes + size)
    total += size
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}

/**
 * Chunks for `producer`, which must partition with javaCompatiblePartitioner, as the sink producer
 * does (unless a message names its partition). Partition counts come from the producer's
 * metadata, which it keeps cached.
 */
export async function chunkForProducer<M extends MessageToProduce> (producer: Producer, messages: readonly M[]): Promise<M[][]> {
  const topics = [...new Set(messages.map(m => m.topic))]
  const metadata = await producer.metadata({ topics })
  const partitionOf = (m: M): number => {
    if (typeof m.partition === 'number') return m.partition
    const count = metadata.topics.get(m.topic)?.partitionsCount ?? 1
    return javaCompatiblePartitioner(m, Buffer.isBuffer(m.key) ? m.key : undefined) % count
  }
  return chunkMessages(messages, partitionOf)
}

function sizeOfHeaders (headers: MessageToProduce['headers']): number {
  let size = 0
  if (headers instanceof Map) {
    for (const [k, v] of headers) size += byteLength(k) + byteLength(v) + 4
  } else if (headers !== undefined && headers !== null) {
    for (const [k, v] of Object.entries(headers)) size += byteLength(k) + byteLength(v) + 4
  }
  return size
}

function byteLength (data: unknown): number {
  return Buffer.isBuffer(data) ? data.length : typeof data === 'string' ? Buffer.byteLength(data) : 0
}
