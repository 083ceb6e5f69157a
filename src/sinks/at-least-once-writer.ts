// The at-least-once writer: send a batch's output (idempotent producer), then commit its input
// offsets. A crash between the two re-reads the batch and writes its output again: duplicates,
// never loss. The baseline the exactly-once writer is measured against (bench/score.ts).
import type { Consumer, Producer } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.js'
import { chunkForProducer } from '../kafka/chunk-messages.js'
import { commitRecords } from '../kafka/offsets.js'
import { createSinkProducer } from '../kafka/sink-producer.js'
import { combine, committedBatches, type BatchWriter, type CommittedBatch, type SinkBatch, type WriterSession } from './sink-batch.js'

/** Settings of {@link AtLeastOnceWriter}. */
export interface AtLeastOnceWriterOptions {
  kafka: KafkaConfig
  /** The group member that reads the input: its group's offsets are committed. */
  consumer: Consumer
  /** Request timeout of the producer, ms (default 10000). */
  timeoutMs?: number
}

export class AtLeastOnceWriter implements BatchWriter {
  readonly guarantee = 'at-least-once'
  readonly consumer: Consumer
  /** No transactions: a failed batch is simply re-read (and its output may be written twice). */
  readonly transactions = 0
  readonly aborted = 0
  #kafka: KafkaConfig
  #timeoutMs: number
  #producer: Producer | undefined
  #closed = false

  constructor (options: AtLeastOnceWriterOptions) {
    this.consumer = options.consumer
    this.#kafka = options.kafka
    this.#timeoutMs = options.timeoutMs ?? 10_000
  }

  async start (): Promise<void> {
    this.#producer ??= createSinkProducer(this.#kafka, { timeout: this.#timeoutMs })
  }

  openSession (): WriterSession {
    return { write: batches => this.write(batches), onRevoked: () => () => {}, dispose: () => {} }
  }

  /** Sends every batch's output, then commits the input offsets of all of them at once. */
  async write<B extends SinkBatch> (batches: readonly B[]): Promise<Array<CommittedBatch<B>>> {
    if (this.#closed) throw new Error('AtLeastOnceWriter is closed')
    const started = performance.now()
    await this.start()
    const { records, messages } = combine(batches)
    for (const chunk of await chunkForProducer(this.#producer!, messages)) await this.#producer!.send({ messages: chunk })
    await commitRecords(this.consumer, records)
    return committedBatches(batches, (performance.now() - started) / 1000)
  }

  /** Closes the producer. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const producer = this.#producer
    this.#producer = undefined
    await Promise.resolve(producer?.close(true)).catch(() => {})
  }
}
