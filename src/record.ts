// The record type every source emits, independent of the Kafka client underneath.
import type { Message } from '@platformatic/kafka'

export interface KafkaRecord {
  topic: string
  partition: number
  offset: bigint
  key: Buffer | null
  value: Buffer | null
  timestamp: bigint
  headers: Map<string, Buffer>
}

export function toKafkaRecord (message: Message<Buffer, Buffer, Buffer, Buffer>): KafkaRecord {
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
