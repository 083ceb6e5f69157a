// An independent judge of exactly-once output. It shares no code with the scorer: it reads the
// raw record batches of a topic (read_uncommitted, so it sees everything that was ever written)
// and applies the transaction markers itself, the way the broker defines read_committed: a
// producer's transactional batches belong to its open transaction until that producer's next
// COMMIT or ABORT marker. It does not trust the client library's read_committed filtering.
import { Consumer, FetchIsolationLevels, IS_CONTROL, IS_TRANSACTIONAL, ListOffsetTimestamps } from '@platformatic/kafka'
import type { KafkaConfig } from '../../src/config.js'
import { connectionOptions } from '../../src/kafka/connection.js'

export interface RawRecord {
  partition: number
  offset: bigint
  key: Buffer | null
  value: Buffer | null
  headers: Map<string, Buffer>
}

export interface TopicByOutcome {
  /** Records a read_committed reader must see: committed transactions and plain writes. */
  committed: RawRecord[]
  /** Records of aborted transactions: they existed, and no read_committed reader may see them. */
  aborted: RawRecord[]
  /** Records of transactions with no marker yet (still open, or left by a crash and not yet aborted). */
  open: RawRecord[]
}

/** Reads every partition of `topic` from the beginning to its high watermark, sorted by outcome. */
export async function readByOutcome (kafka: KafkaConfig, topic: string): Promise<TopicByOutcome> {
  const consumer = new Consumer({ ...connectionOptions(kafka, 'verifier'), groupId: 'streamfit-eos-verifier' })
  const out: TopicByOutcome = { committed: [], aborted: [], open: [] }
  try {
    const [starts, ends] = await Promise.all([
      consumer.listOffsets({ topics: [topic], timestamp: ListOffsetTimestamps.EARLIEST, isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED }),
      consumer.listOffsets({ topics: [topic], timestamp: ListOffsetTimestamps.LATEST, isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED })
    ])
    const metadata = await consumer.metadata({ topics: [topic] })
    const t = metadata.topics.get(topic)
    if (t === undefined) throw new Error(`verifier: topic ${topic} does not exist`)
    for (let partition = 0; partition < t.partitionsCount; partition++) {
      const end = ends.get(topic)![partition]!
      let position = starts.get(topic)![partition]!
      const openByProducer = new Map<bigint, RawRecord[]>()
      while (position < end) {
        const response = await consumer.fetch({
          node: t.partitions[partition]!.leader,
          maxBytes: 8 << 20,
          maxWaitTime: 100,
          isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
          topics: [{ topicId: t.id, partitions: [{ partition, fetchOffset: position, partitionMaxBytes: 8 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }]
        })
        const batches = response.responses[0]?.partitions[0]?.records ?? []
        if (batches.length === 0) throw new Error(`verifier: empty fetch at ${topic}:${partition}@${position} before the end ${end}`)
        for (const batch of batches) {
          const next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n
          if (next <= position) continue // a batch before the requested offset, already seen
          if ((batch.attributes & IS_CONTROL) !== 0) {
            // Control record key: version (int16), type (int16): 0 = ABORT, 1 = COMMIT.
            const type = batch.records[0]?.key?.readInt16BE(2)
            const pending = openByProducer.get(batch.producerId) ?? []
            openByProducer.delete(batch.producerId)
            if (type === 1) out.committed.push(...pending)
            else if (type === 0) out.aborted.push(...pending)
            else throw new Error(`verifier: unknown control record type ${type} at ${topic}:${partition}@${batch.firstOffset}`)
          } else {
            const records = batch.records.map(r => {
              const headers = new Map<string, Buffer>()
              for (const [k, v] of r.headers) if (k !== null) headers.set(k.toString(), v ?? Buffer.alloc(0))
              return { partition, offset: batch.firstOffset + BigInt(r.offsetDelta), key: r.key, value: r.value, headers }
            }).filter(r => r.offset >= position)
            if ((batch.attributes & IS_TRANSACTIONAL) !== 0) {
              const pending = openByProducer.get(batch.producerId) ?? []
              pending.push(...records)
              openByProducer.set(batch.producerId, pending)
            } else {
              out.committed.push(...records)
            }
          }
          position = next
        }
      }
      for (const pending of openByProducer.values()) out.open.push(...pending)
    }
    return out
  } finally {
    await consumer.close()
  }
}

export interface ExactlyOnceReport {
  /** Input records (topic:partition:offset) that should each have exactly one prediction. */
  inputs: number
  /** Committed prediction records. */
  outputs: number
  /** Inputs with more than one committed prediction, with their count. */
  duplicates: Array<{ source: string, count: number }>
  /** Inputs without a committed prediction. */
  missing: string[]
  /** Committed predictions whose source is not an input. */
  unexpected: string[]
  /** Prediction records of aborted transactions (proof that aborts really happened). */
  aborted: number
  /** Prediction records still in transactions without a marker. */
  open: number
  /** Predictions whose key differs from their input's key. */
  wrongKeys: number
}

/**
 * Checks that every committed record of `inputTopic` has exactly one committed prediction in
 * `predictionsTopic` (and the dead-letter topic, when given, for inputs that could not be scored),
 * and nothing else: input set = output set, no duplicates.
 */
export async function verifyExactlyOnce (kafka: KafkaConfig, { inputTopic, predictionsTopic, dlqTopic }: { inputTopic: string, predictionsTopic: string, dlqTopic?: string }): Promise<ExactlyOnceReport> {
  const inputs = await readByOutcome(kafka, inputTopic)
  const predictions = await readByOutcome(kafka, predictionsTopic)
  const inputKeys = new Map<string, string | null>()
  for (const r of inputs.committed) inputKeys.set(`${inputTopic}:${r.partition}:${r.offset}`, r.key?.toString('hex') ?? null)

  const counts = new Map<string, number>()
  let wrongKeys = 0
  const unexpected: string[] = []
  const count = (source: string, key: Buffer | null): void => {
    counts.set(source, (counts.get(source) ?? 0) + 1)
    if (!inputKeys.has(source)) unexpected.push(source)
    else if (inputKeys.get(source) !== (key?.toString('hex') ?? null)) wrongKeys++
  }
  for (const r of predictions.committed) {
    const p = JSON.parse(r.value!.toString()) as { source: { topic: string, partition: number, offset: number } }
    count(`${p.source.topic}:${p.source.partition}:${p.source.offset}`, r.key)
  }
  let outputs = predictions.committed.length
  if (dlqTopic !== undefined) {
    const dead = await readByOutcome(kafka, dlqTopic)
    for (const r of dead.committed) {
      const topic = r.headers.get('streamfit.source.topic')?.toString()
      if (topic !== inputTopic) continue
      count(`${topic}:${r.headers.get('streamfit.source.partition')}:${r.headers.get('streamfit.source.offset')}`, r.key)
      outputs++
    }
  }
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([source, n]) => ({ source, count: n }))
  const missing = [...inputKeys.keys()].filter(k => !counts.has(k))
  return { inputs: inputKeys.size, outputs, duplicates, missing, unexpected, aborted: predictions.aborted.length, open: predictions.open.length, wrongKeys }
}

/** One line for assertion messages. */
export function summarize (r: ExactlyOnceReport): string {
  return `inputs ${r.inputs}, outputs ${r.outputs}, duplicates ${r.duplicates.length}${r.duplicates.length ? ` (e.g. ${r.duplicates.slice(0, 3).map(d => `${d.source}×${d.count}`).join(', ')})` : ''}, ` +
    `missing ${r.missing.length}${r.missing.length ? ` (e.g. ${r.missing.slice(0, 3).join(', ')})` : ''}, unexpected ${r.unexpected.length}, ` +
    `wrong keys ${r.wrongKeys}, aborted ${r.aborted}, open ${r.open}`
}
