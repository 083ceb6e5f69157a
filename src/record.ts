// The record type every source emits, independent of the Kafka client underneath. Named apart
// from the client's own KafkaRecord (a record inside a fetched batch), which it is not.
import type { Message } from '@platformatic/kafka'

export interface ConsumedRecord {
  topic: string
  partition: number
  offset: bigint
  key: Buffer | null
  value: Buffer | null
  timestamp: bigint
  headers: Map<string, Buffer>
}

export function toConsumedRecord (message: Message<Buffer, Buffer, Buffer, Buffer>): ConsumedRecord {
  const headers = new Map<string, Buffer>()
  for (const [k, v] of message.headers) headers.set(k.toString(), v)
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
