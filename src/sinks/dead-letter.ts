// The dead-letter sink: records that cannot be processed go to a topic (`susy-dlq` by default)
// with their original key, value and headers, plus headers saying why and where they came from.
//
// Two sinks share one message format (toDeadLetterMessage):
// - KafkaDeadLetterSink produces with its own (or a given) producer, acks=all, and rejects the
//   write's promise if producing fails, so the caller can fail the stream instead of losing it;
// - CollectingDeadLetterSink only collects the messages, for a caller that sends them itself,
//   e.g. inside a Kafka transaction next to its output and offsets.
// A consumer that commits offsets itself must await KafkaDeadLetterSink.flush() before it commits
// past a dead-lettered record; otherwise a crash in between loses that record.
import { Producer, type MessageToProduce } from '@platformatic/kafka'
import { loadConfig, type KafkaConfig } from '../config.js'
import { connectionOptions } from '../kafka/connection.js'
import type { ConsumedRecord } from '../record.js'

/** Header names written on every dead-letter message (values are UTF-8 text). */
export const DLQ_HEADERS = {
  /** Machine-readable reason code, e.g. `arity`, `not-a-number`, `bad-label`. */
  reason: 'streamfit.dlq.reason',
  /** One line for humans, e.g. `field 3 "abc" is not a number`. */
  detail: 'streamfit.dlq.detail',
  /** Topic, partition and offset of the original record (decimal text). */
  topic: 'streamfit.source.topic',
  partition: 'streamfit.source.partition',
  offset: 'streamfit.source.offset',
  /** The original record's timestamp, milliseconds since the epoch (decimal text). */
  timestamp: 'streamfit.source.timestamp',
  /** Present when the value was cut to MAX_DEAD_LETTER_VALUE_BYTES: the original value's size in bytes. */
  truncated: 'streamfit.dlq.truncated'
} as const

/**
 * Largest value a dead letter copies. A record near the broker's 1 MiB limit, copied with its
 * headers, would not fit: the transaction carrying it would abort on every retry and every
 * restart (a poison pill). Longer values keep their beginning, and DLQ_HEADERS.truncated says so.
 */
export const MAX_DEAD_LETTER_VALUE_BYTES = 256 * 1024

/** Longest detail header kept: a reason quoting a huge field must not be huge itself. */
const MAX_DETAIL_CHARS = 512

/** A dead letter as it goes to Kafka: the original key and value, with the reason in its headers. */
export type DeadLetterMessage = MessageToProduce<Buffer, Buffer, Buffer, Buffer>

/** Where bad records go. Every operator that rejects records takes one of these. */
export interface DeadLetterSink {
  /**
   * Dead-letters one record. When a promise is returned it settles once the write is durable
   * (or, for a collecting sink, accepted); the caller must propagate a rejection, never drop it.
   */
  write (record: ConsumedRecord, reason: string, detail?: string): void | Promise<void>
  /** How many records were dead-lettered, per reason code. */
  readonly counts: Readonly<Record<string, number>>
  /** Total over all reasons. */
  readonly total: number
}

/**
 * Builds the dead-letter message for a record: same key and value (a null value stays null),
 * the original headers, and the `streamfit.*` headers of DLQ_HEADERS (replacing any the record
 * already had, e.g. when a dead letter is dead-lettered again).
 */
export function toDeadLetterMessage (record: ConsumedRecord, reason: string, { topic = 'susy-dlq', detail }: { topic?: string; detail?: string } = {}): DeadLetterMessage {
  const headers = new Map<Buffer, Buffer>()
  for (const [name, value] of record.headers) {
    if (!name.startsWith('streamfit.dlq.') && !name.startsWith('streamfit.source.')) headers.set(Buffer.from(name), value)
  }
  headers.set(Buffer.from(DLQ_HEADERS.reason), Buffer.from(reason))
  if (detail !== undefined) headers.set(Buffer.from(DLQ_HEADERS.detail), Buffer.from(detail.length > MAX_DETAIL_CHARS ? `${detail.slice(0, MAX_DETAIL_CHARS)}…` : detail))
  headers.set(Buffer.from(DLQ_HEADERS.topic), Buffer.from(record.topic))
  headers.set(Buffer.from(DLQ_HEADERS.partition), Buffer.from(String(record.partition)))
  headers.set(Buffer.from(DLQ_HEADERS.offset), Buffer.from(record.offset.toString()))
  headers.set(Buffer.from(DLQ_HEADERS.timestamp), Buffer.from(record.timestamp.toString()))
  const message: DeadLetterMessage = { topic, headers }
  if (record.key !== null) message.key = record.key
  if (record.value !== null && record.value.length > MAX_DEAD_LETTER_VALUE_BYTES) {
    headers.set(Buffer.from(DLQ_HEADERS.truncated), Buffer.from(String(record.value.length)))
    message.value = record.value.subarray(0, MAX_DEAD_LETTER_VALUE_BYTES)
  } else if (record.value !== null) {
    message.value = record.value
  }
  return message
}

/** Reads the `streamfit.*` headers back from a consumed dead-letter record. */
export function readDeadLetterHeaders (headers: ReadonlyMap<string, Buffer>): { reason?: string; detail?: string; topic?: string; partition?: number; offset?: bigint } {
  const text = (name: string): string | undefined => headers.get(name)?.toString()
  const partition = text(DLQ_HEADERS.partition)
  const offset = text(DLQ_HEADERS.offset)
  return {
    reason: text(DLQ_HEADERS.reason),
    detail: text(DLQ_HEADERS.detail),
    topic: text(DLQ_HEADERS.topic),
    partition: partition === undefined ? undefined : Number(partition),
    offset: offset === undefined ? undefined : BigInt(offset)
  }
}

// Per-reason counting shared by both sinks.
abstract class CountingSink {
  readonly counts: Record<string, number> = {}
  total = 0

  /** Counts one dead letter under `reason` (and in the total). */
  protected count (reason: string): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1
    this.total++
  }
}

/** Collects dead-letter messages for the caller to send, e.g. inside its own transaction. */
export class CollectingDeadLetterSink extends CountingSink implements DeadLetterSink {
  readonly topic: string
  #messages: DeadLetterMessage[] = []

  constructor ({ topic = loadConfig().topics.dlq }: { topic?: string } = {}) {
    super()
    this.topic = topic
  }

  write (record: ConsumedRecord, reason: string, detail?: string): void {
    this.#messages.push(toDeadLetterMessage(record, reason, { topic: this.topic, detail }))
    this.count(reason)
  }

  /** The messages collected since the last take(); the sink forgets them. */
  take (): DeadLetterMessage[] {
    const messages = this.#messages
    this.#messages = []
    return messages
  }

  /** Messages collected and not yet taken. */
  get pending (): number {
    return this.#messages.length
  }
}

/** Where a {@link KafkaDeadLetterSink} writes, and how. */
export interface KafkaDeadLetterSinkOptions {
  /** Dead-letter topic; default the config's `topics.dlq` (`susy-dlq`). It must exist. */
  topic?: string
  /** Connection settings; default from the environment (KAFKA_BROKERS, ...). */
  kafka?: KafkaConfig
  /**
   * Use this producer instead of creating one (the sink then does not close it). Not a
   * transactional one: inside a transaction, send CollectingDeadLetterSink's messages instead.
   */
  producer?: Producer<Buffer, Buffer, Buffer, Buffer>
}

/**
 * Produces dead letters to Kafka with acks=all. Writes made in the same tick go out in one
 * produce request. A failed produce rejects every write in it.
 *
 * @example
 * const dlq = new KafkaDeadLetterSink()
 * records$.pipe(decodeCsv({ deadLetter: dlq })).subscribe(...)
 * // ... later
 * await dlq.close()
 */
export class KafkaDeadLetterSink extends CountingSink implements DeadLetterSink {
  readonly topic: string
  #producer: Producer<Buffer, Buffer, Buffer, Buffer>
  #ownsProducer: boolean
  #queue: DeadLetterMessage[] = []
  #queued: Promise<void> | null = null
  #inFlight = new Set<Promise<void>>()
  #closed = false

  constructor ({ topic, kafka, producer }: KafkaDeadLetterSinkOptions = {}) {
    super()
    const config = topic !== undefined && (kafka !== undefined || producer !== undefined) ? undefined : loadConfig()
    this.topic = topic ?? config!.topics.dlq
    this.#ownsProducer = producer === undefined
    this.#producer = producer ?? new Producer({ ...connectionOptions(kafka ?? config!.kafka, 'dlq'), acks: -1 })
  }

  write (record: ConsumedRecord, reason: string, detail?: string): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('KafkaDeadLetterSink is closed'))
    this.#queue.push(toDeadLetterMessage(record, reason, { topic: this.topic, detail }))
    this.count(reason)
    // One produce request per tick: a burst of bad records costs one round trip.
    this.#queued ??= new Promise<void>(resolve => setImmediate(resolve)).then(() => this.#send())
    return this.#queued
  }

  async #send (): Promise<void> {
    const messages = this.#queue
    this.#queue = []
    this.#queued = null
    const sent = this.#producer.send({ messages, acks: -1 }).then(() => {})
    this.#inFlight.add(sent)
    try {
      await sent
    } finally {
      this.#inFlight.delete(sent)
    }
  }

  /** Resolves once every write made so far is durable; rejects if any of them failed. */
  async flush (): Promise<void> {
    while (this.#queued !== null || this.#inFlight.size > 0) {
      await Promise.all([this.#queued, ...this.#inFlight])
    }
  }

  /** Flushes, then closes the producer if the sink created it. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    try {
      await this.flush()
    } finally {
      if (this.#ownsProducer) await this.#producer.close()
    }
  }
}
