// The record type every source emits, independent of the Kafka client underneath. Named apart
// from the client's own KafkaRecord (a record inside a fetched batch), which it is not.
import type { Message } from '@platformatic/kafka'

/** A record read from Kafka, as every source emits it: independent of the client library underneath. */
export interface ConsumedRecord {
  topic: string
  partition: number
  offset: bigint
  key: Buffer | null
  value: Buffer | null
  timestamp: bigint
  /** Read-only: records without headers share one empty map. */
  headers: ReadonlyMap<string, Buffer>
}

// Most records have no headers, and a Map per record was a tenth of what a scorer allocated.
class NoHeaders extends Map<string, Buffer> {
  override set (): this {
    throw new TypeError('a consumed record\'s headers are read-only')
  }
}

/** The headers of every consumed record that has none. */
export const NO_HEADERS: ReadonlyMap<string, Buffer> = new NoHeaders()

/** A record's headers from the client's (name, value) bytes; a null name is skipped, a null value is empty. */
export function consumedHeaders (entries: Iterable<[Buffer | null, Buffer | null | undefined]>, count: number): ReadonlyMap<string, Buffer> {
  if (count === 0) return NO_HEADERS
  const headers = new Map<string, Buffer>()
  for (const [k, v] of entries) {
    if (k !== null) headers.set(k.toString(), v ?? Buffer.alloc(0))
  }
  return headers
}

/** Converts a message of the Kafka client into a {@link ConsumedRecord}. */
export function toConsumedRecord (message: Message<Buffer, Buffer, Buffer, Buffer>): ConsumedRecord {
  const headers = consumedHeaders(message.headers, message.headers.size)
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    timestamp: message.timestamp,
    headers
  }
}

/**
 * @deprecated The old name of ConsumedRecord; kept only while branches written against it are
 * merged. Use ConsumedRecord.
 */
export type KafkaRecord = ConsumedRecord
