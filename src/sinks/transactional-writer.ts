// The exactly-once writer: each batch's output and the offsets of the input it consumed commit
// in one Kafka transaction, or neither does.
//
// - One transaction per batch: send the output, AddOffsetsToTxn for the group, then one
//   TxnOffsetCommit per partition for the LAST record of that partition in the batch (carrying
//   the group generation and member id, so the group coordinator rejects a zombie), EndTxn.
// - Before it, the batch is checked against the reader's GroupSession (kafka/group-session.ts):
//   no rebalance, partitions still assigned, offsets moving forward, start offsets stable.
// - Any failure aborts. If even the abort fails (broker gone), the producer is replaced: the new
//   one's InitProducerId with the same transactional id aborts whatever the old one left open.
//   The error then goes downstream so the topology resubscribes, which re-reads from the
//   committed offsets: reading on from memory after an abort would silently drop records.
import type { Consumer, Producer } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.js'
import { chunkMessages } from '../kafka/chunk-messages.js'
import { GroupSession, StartOffsetCheck } from '../kafka/group-session.js'
import { addOffsetsToTransaction, lastPerPartition, nextOffsetsByPartition } from '../kafka/offsets.js'
import { createSinkProducer } from '../kafka/sink-producer.js'
import { classifyTransactionError, isFenced } from '../kafka/transaction-errors.js'
import type { Logger } from '../runtime/logger.js'
import type { BatchWriter, CommittedBatch, SinkBatch, WriterSession } from './sink-batch.js'

export interface TransactionalWriterOptions {
  kafka: KafkaConfig
  /** The group member that reads the input: its group's offsets are committed. */
  consumer: Consumer
  /**
   * Stable per instance and unique among running instances: a restarted instance with the same
   * id fences its predecessor and aborts the transaction it left open.
   */
  transactionalId: string
  /** The broker aborts a transaction left open longer than this (a crashed instance's). */
  transactionTimeoutMs?: number
  /** How long to wait for another member's pending offsets to settle before failing. */
  stableTimeoutMs?: number
  logger?: Logger
}

export const transactionalWriterDefaults = {
  transactionTimeoutMs: 10_000,
  stableTimeoutMs: 60_000
}

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>

/**
 * Owns the transactional producer and writes batches. It outlives subscriptions: a retry after
 * an abort reuses it. Counters cover its whole life.
 */
export class TransactionalWriter implements BatchWriter {
  readonly guarantee = 'exactly-once'
  readonly consumer: Consumer
  readonly transactionalId: string
  transactions = 0
  aborted = 0
  #kafka: KafkaConfig
  #transactionTimeoutMs: number
  #logger: Logger | undefined
  #startOffsets: StartOffsetCheck
  #producer: Producer | undefined
  #closed = false

  constructor (options: TransactionalWriterOptions) {
    if (!options.transactionalId) throw new TypeError('TransactionalWriter: exactly-once needs a transactionalId')
    this.consumer = options.consumer
    this.transactionalId = options.transactionalId
    this.#kafka = options.kafka
    this.#transactionTimeoutMs = options.transactionTimeoutMs ?? transactionalWriterDefaults.transactionTimeoutMs
    this.#logger = options.logger
    this.#startOffsets = new StartOffsetCheck(options.kafka, options.stableTimeoutMs ?? transactionalWriterDefaults.stableTimeoutMs)
  }

  /**
   * Creates the producer and registers the transactional id (InitProducerId), which fences an
   * older instance with the same id and aborts its open transaction; do it before reading so
   * that its pending offsets are settled first.
   */
  async start (): Promise<void> {
    if (this.#producer !== undefined) return
    const producer = createSinkProducer(this.#kafka, { transactionalId: this.transactionalId, timeout: this.#transactionTimeoutMs })
    try {
      // beginTransaction runs InitProducerId the first time; cancel() only forgets the (empty)
      // transaction on the client, so the next beginTransaction skips the init. -1/-1 says "no
      // previous producer": the client's default (0/0) claims to resume producer 0, which the
      // coordinator answers with PRODUCER_FENCED once the id has history.
      const tx = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 })
      await tx.cancel()
    } catch (error) {
      await Promise.resolve(producer.close(true)).catch(() => {})
      throw classifyTransactionError(error, this.transactionalId)
    }
    this.#producer = producer
  }

  openSession (): WriterSession {
    const session = new GroupSession(this.consumer)
    return {
      write: batch => this.write(batch, session),
      onRevoked: listener => session.onRevoked(listener),
      dispose: () => session.dispose()
    }
  }

  /** Writes `batch` in one transaction, checked against the reader's `session`. */
  async write<B extends SinkBatch> (batch: B, session: GroupSession): Promise<CommittedBatch<B>> {
    if (this.#closed) throw new Error('TransactionalWriter is closed')
    const started = performance.now()
    session.check(batch.records)
    await this.#startOffsets.verify(session, batch.records)
    session.check([])
    if (this.#producer === undefined) await this.start()
    let tx: Transaction | undefined
    try {
      tx = await this.#producer!.beginTransaction()
      // Several requests in one transaction when the batch is larger than the broker takes at once.
      for (const messages of chunkMessages(batch.messages)) await tx.send({ messages })
      await addOffsetsToTransaction(tx, this.consumer, session, batch.records)
      await tx.commit()
      this.transactions++
      session.committed(lastPerPartition(batch.records))
    } catch (error) {
      this.aborted++
      if (tx !== undefined) await this.#abort(tx, error)
      const classified = classifyTransactionError(error, this.transactionalId)
      await session.rejoinIfForgotten(classified, this.#logger)
      throw classified
    }
    const seconds = (performance.now() - started) / 1000
    return { batch, records: batch.records.length, messages: batch.messages.length, offsets: nextOffsetsByPartition(batch.records), seconds }
  }

  async #abort (tx: Transaction, cause: unknown): Promise<void> {
    if (isFenced(cause)) return // nothing to abort with: the coordinator no longer knows our epoch
    try {
      await tx.abort()
    } catch (error) {
      // The transaction is in an unknown state on the broker. A new producer with the same
      // transactional id aborts it in InitProducerId; until then nothing may be written.
      this.#logger?.warn({ err: error }, 'abort failed; replacing the transactional producer')
      const old = this.#producer
      this.#producer = undefined
      if (old !== undefined) await Promise.resolve(old.close(true)).catch(() => {})
    }
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const producer = this.#producer
    this.#producer = undefined
    await Promise.all([Promise.resolve(producer?.close(true)).catch(() => {}), this.#startOffsets.close()])
  }
}
