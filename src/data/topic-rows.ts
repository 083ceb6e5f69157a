// Labelled rows read back from a topic written by `load` (key = label, value = the features),
// every partition from its beginning to its end at the time of the call: for `evaluate --topic`
// (readTopicRows: SUSY's 0/1 keys; readTopicRecords: the records as they are, for a spec's decoder).
import { lastValueFrom, merge, take, toArray } from 'rxjs'
import type { KafkaConfig } from '../config.js'
import { UsageError } from '../errors.js'
import { endOffsets } from '../kafka/admin.js'
import type { ConsumedRecord } from '../record.js'
import { fromPartition } from '../sources/partition.js'

/** Every committed record of every partition of `topic`, up to its end now (the first `rows` only, when given). */
export async function readTopicRecords (kafka: KafkaConfig, topic: string, { rows }: { rows?: number } = {}): Promise<ConsumedRecord[]> {
  const ends = await endOffsets(kafka, topic, { readCommitted: true }).catch((error: Error) => {
    throw new UsageError(`cannot read topic ${topic}: ${error.message}`)
  })
  return await lastValueFrom(merge(...ends.map((stop, partition) => fromPartition({ kafka, topic, partition, stop }))).pipe(
    take(rows ?? Infinity),
    toArray()
  ))
}

export async function readTopicRows (kafka: KafkaConfig, topic: string, { rows }: { rows?: number } = {}): Promise<{ values: Buffer[], labels: number[] }> {
  const records = await readTopicRecords(kafka, topic, { rows })
  const values: Buffer[] = []
  const labels: number[] = []
  for (const r of records) {
    const label = r.key?.toString()
    if (label !== '0' && label !== '1') throw new UsageError(`${topic}/${r.partition}@${r.offset}: the key is the label and must be 0 or 1, got ${JSON.stringify(label ?? null)}`)
    if (r.value === null) throw new UsageError(`${topic}/${r.partition}@${r.offset}: no value`)
    values.push(r.value)
    labels.push(Number(label))
  }
  return { values, labels }
}
