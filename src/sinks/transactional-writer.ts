// The exactly-once writer: each batch's output and the offsets of the input it consumed commit
// in one Kafka transaction, or neither does.
//
// - One transaction per write, which holds one batch or several (transactionalSink gathers full
//   batches for up to a commit interval, as Kafka Streams does): send the output,
//   AddOffsetsToTxn for the group, then one TxnOffsetCommit per partition for the LAST record of
//   that partition (carrying the group generation and member id, so the group coordinator
//   rejects a zombie), EndTxn.
// - Before it, the batch is checked against the reader's GroupSession (kafka/group-session.ts):
//   no rebalance, partitions still assigned, offsets moving forward, start offsets stable.
// - Any failure aborts. If even the abort fails (broker gone), the producer is replaced: the new
//   one's InitProducerId with the same transactional id aborts whatever the old one left open.
//   The error then goes downstream so the topology resubscribes, which re-reads from the
//   committed offsets: reading on from memory after an abort would silently drop records.
import type { Consumer, Producer } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.js'
import { chunkForProducer } from '../kafka/chunk-messages.js'
import { GroupSession, StartOffsetCheck } from '../kafka/group-session.js'
import { addOffsetsToTransaction, lastPerPartition } from '../kafka/offsets.js'
import { createSinkProducer } from '../kafka/sink-producer.js'
import { RebalanceError } from '../errors.js'
import { classifyTransactionError, epochError, isFenced } from '../kafka/transaction-errors.js'
import { failureInjector, stallInjector } from '../faults.js'
import type { Logger } from '../runtime/logger.js'
import { combine, committedBatches, type BatchWriter, type CommittedBatch, type SinkBatch, type WriterSession } from './sink-batch.js'

/**
 * Settings of {@link TransactionalWriter}: the connection, the consumer whose offsets it commits, and
 * the transactional id.
 */
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

/** The defaults of {@link TransactionalWriterOptions}. */
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
  #fail = failureInjector()
  #stall = stallInjector()

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
  async start (resume?: { producerId: bigint, producerEpoch: number }): Promise<void> {
    if (this.#producer !== undefined) return
    const producer = createSinkProducer(this.#kafka, { transactionalId: this.transactionalId, timeout: this.#transactionTimeoutMs })
    try {
      // beginTransaction runs InitProducerId the first time; cancel() only forgets the (empty)
      // transaction on the client, so the next beginTransaction skips the init. -1/-1 says "no
      // previous producer": the client's default (0/0) claims to resume producer 0, which the
      // coordinator answers with PRODUCER_FENCED once the id has history.
      // With `resume` (the producer id and epoch of a producer whose transaction timed out),
      // the coordinator lets this producer continue that id (KIP-588) unless another instance
      // took the transactional id meanwhile: then it answers PRODUCER_FENCED.
      const tx = await producer.beginTransaction(resume ?? { producerId: -1n, producerEpoch: -1 })
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
      write: batches => this.write(batches, session),
      onRevoked: listener => session.onRevoked(listener),
      dispose: () => session.dispose()
    }
  }

  /** Writes `batches` in one transaction, checked against the reader's `session`. */
  async write<B extends SinkBatch> (batches: readonly B[], session: GroupSession): Promise<Array<CommittedBatch<B>>> {
    if (this.#closed) throw new Error('TransactionalWriter is closed')
    const started = performance.now()
    const batch = combine(batches)
    session.check(batch.records)
    await this.#startOffsets.verify(session, batch.records)
    session.check([])
    if (this.#producer === undefined) await this.start()
    const producer = this.#producer!
    let tx: Transaction | undefined
    try {
      tx = await producer.beginTransaction()
      // Several requests in one transaction when the batch is larger than the broker takes at once.
      for (const messages of await chunkForProducer(producer, batch.messages)) await tx.send({ messages })
      this.#fail('after-send')
      await this.#stall('after-send')
      await addOffsetsToTransaction(tx, this.consumer, session, batch.records)
      await tx.commit()
      this.transactions++
      session.committed(lastPerPartition(batch.records))
    } catch (error) {
      this.aborted++
      const epoch = epochError(error)
      if (epoch !== undefined) {
        // Our epoch is stale. Either the broker aborted our transaction because it outlived the
        // transaction timeout (a stalled batch) and bumped the epoch, which is not fencing (its
        // partition leaders say INVALID_PRODUCER_EPOCH, its coordinator may say PRODUCER_FENCED),
        // or another instance took our transactional id. The coordinator tells them apart: a new
        // producer asking to continue our producer id and epoch is let in only in the first case
        // (KIP-588), and gets PRODUCER_FENCED (exit 3) in the second.
        this.#logger?.warn(`the broker rejected this producer's epoch (${epoch}); replacing the producer if no other instance took over`)
        await this.#renewProducer(producer)
        this.#logger?.warn('the transaction had outlived the transaction timeout and was aborted by the broker; producer replaced, re-reading from the committed offsets')
        throw new RebalanceError('the transaction outlived the transaction timeout and was aborted by the broker; re-reading from the committed offsets', { cause: error })
      }
      if (tx !== undefined) await this.#abort(tx, error)
      const classified = classifyTransactionError(error, this.transactionalId)
      await session.rejoinIfForgotten(classified, this.#logger)
      throw classified
    }
    return committedBatches(batches, (performance.now() - started) / 1000)
  }

  /** Replaces the producer with one that continues its producer id (or learns it was fenced). */
  async #renewProducer (old: Producer): Promise<void> {
    const resume = old.producerId !== undefined && old.producerEpoch !== undefined ? { producerId: old.producerId, producerEpoch: old.producerEpoch } : undefined
    if (this.#producer === old) this.#producer = undefined
    await Promise.resolve(old.close(true)).catch(() => {})
    await this.start(resume)
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

  /** Closes the producer and the admin client that checks start offsets. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const producer = this.#producer
    this.#producer = undefined
    await Promise.all([Promise.resolve(producer?.close(true)).catch(() => {}), this.#startOffsets.close()])
  }
}
