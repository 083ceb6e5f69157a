// Turning the record batches of a raw Fetch response into ConsumedRecords.
import { IS_CONTROL, type KafkaRecord as RawRecord, type RecordsBatch } from '@platformatic/kafka'
import { consumedHeaders, type ConsumedRecord } from '../record.js'

/** Transaction markers (commit/abort) occupy offsets but carry no user record. */
export function isControlBatch (batch: RecordsBatch): boolean {
  return (batch.attributes & IS_CONTROL) !== 0
}

export function recordFromBatch (topic: string, partition: number, batch: RecordsBatch, raw: RawRecord, offset: bigint): ConsumedRecord {
  const headers = consumedHeaders(raw.headers, raw.headers.length)
  return {
    topic,
    partition,
    offset,
    key: raw.key,
    value: raw.value,
    timestamp: batch.firstTimestamp + raw.timestampDelta,
    headers
  }
}
