// The exactly-once sink: each batch's output and the offsets of the input it consumed commit in
// one Kafka transaction, or neither does. Where offsets are committed, and why it is safe:
//
// - One transaction per batch: send the output, AddOffsetsToTxn for the group, then one
//   TxnOffsetCommit per partition for the LAST record of that partition in the batch (carrying
//   the group generation and member id, so the group coordinator rejects a zombie), EndTxn.
// - Any failure aborts. If even the abort fails (broker gone), the producer is replaced: the new
//   one's InitProducerId with the same transactional id aborts whatever the old one left open.
//   The error then goes downstream so the topology resubscribes, which re-reads from the
//   committed offsets: reading on from memory after an abort would silently drop records.
// - @platformatic/kafka has no revocation callback and fetches committed offsets without
//   requireStable, so a member can start a partition from offsets that a transaction is about
//   to move. The session below closes that gap: it aborts when the group rebalances under it,
//   when a record goes backwards (the client rewound the stream by itself), when a partition is
//   no longer assigned, and the first time it commits a partition it checks, with a stable
//   (requireStable) read of the group's offsets, that its reading started at the committed offset.
import { Admin, Producer, compatibilityPartitioner, type Consumer, type MessageToProduce } from '@platformatic/kafka'
import { Observable, type OperatorFunction } from 'rxjs'
import type { KafkaConfig } from '../config.js'
import { FencedError, RebalanceError } from '../errors.js'
import { chunkMessages } from '../kafka/chunk-messages.js'
import { clientApiError } from '../kafka/client-errors.js'
import { connectionOptions } from '../kafka/connection.js'
import { committedOffsets } from '../kafka/group-offsets.js'
import type { KafkaRecord } from '../record.js'
import { failureInjector, stallInjector } from '../runtime/injected-failure.js'
import type { Logger } from '../runtime/logger.js'

export type ProcessingGuarantee = 'exactly-once' | 'at-least-once'

/** One unit of work for the sink: what to write, and every input record it accounts for. */
export interface SinkBatch {
  /** All input records this batch consumed, scored or dead-lettered, in read order. */
  records: readonly KafkaRecord[]
  /** Output messages (predictions, dead letters); they commit together with the offsets. */
  messages: MessageToProduce[]
}

/** What one committed batch did. */
export interface CommittedBatch<B extends SinkBatch = SinkBatch> {
  /** The batch itself, for whatever the caller attached to it. */
  batch: B
  records: number
  messages: number
  /** "topic:partition" -> next offset to read, as committed. */
  offsets: Map<string, bigint>
  /** Time spent in the sink for this batch (transaction or send + commit). */
  seconds: number
}

export interface TransactionalWriterOptions {
  kafka: KafkaConfig
  /** The group member that reads the input: its group's offsets are committed. */
  consumer: Consumer
  guarantee?: ProcessingGuarantee
  /**
   * Stable per instance and unique among running instances: a restarted instance with the same
   * id fences its predecessor and aborts the transaction it left open. Required for exactly-once.
   */
  transactionalId?: string
  /** The broker aborts a transaction left open longer than this (a crashed instance's). */
  transactionTimeoutMs?: number
  /** How long to wait for another member's pending offsets to settle before failing. */
  stableTimeoutMs?: number
  logger?: Logger
}

export const transactionalWriterDefaults = {
  guarantee: 'exactly-once' as ProcessingGuarantee,
  transactionTimeoutMs: 10_000,
  stableTimeoutMs: 60_000
}

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>

/**
 * Owns the producer (and, for exactly-once, the transactional id) and writes batches. It outlives
 * subscriptions: a retry after an abort reuses it. Counters cover its whole life.
 */
export class TransactionalWriter {
  readonly guarantee: ProcessingGuarantee
  readonly consumer: Consumer
  transactions = 0
  aborted = 0
  #options: Required<Omit<TransactionalWriterOptions, 'logger' | 'transactionalId'>> & Pick<TransactionalWriterOptions, 'logger' | 'transactionalId'>
  #producer: Producer | undefined
  #admin: Admin | undefined
  #closed = false
  #fail = failureInjector()
  #stall = stallInjector()

  constructor (options: TransactionalWriterOptions) {
    this.#options = { ...transactionalWriterDefaults, ...options }
    this.guarantee = this.#options.guarantee
    this.consumer = options.consumer
    if (this.guarantee === 'exactly-once' && !options.transactionalId) {
      throw new TypeError('TransactionalWriter: exactly-once needs a transactionalId')
    }
  }

  get transactionalId (): string | undefined {
    return this.#options.transactionalId
  }

  /**
   * Creates the producer. For exactly-once this registers the transactional id (InitProducerId),
   * which fences an older instance with the same id and aborts its open transaction; do it
   * before reading so that its pending offsets are settled first.
   */
  async start (resume?: { producerId: bigint, producerEpoch: number }): Promise<void> {
    if (this.#producer !== undefined) return
    const { kafka, transactionalId, transactionTimeoutMs } = this.#options
    const exactlyOnce = this.guarantee === 'exactly-once'
    const producer = new Producer({
      ...connectionOptions(kafka, exactlyOnce ? 'eos' : 'alos'),
      idempotent: true,
      partitioner: compatibilityPartitioner,
      // Also the transaction timeout sent with InitProducerId.
      timeout: transactionTimeoutMs,
      // The next transaction's first request often meets CONCURRENT_TRANSACTIONS while the
      // coordinator still writes the previous one's markers: retry within milliseconds, not the
      // client's default second.
      retries: 10,
      retryDelay: retryBackoff,
      ...(exactlyOnce ? { transactionalId } : {})
    })
    if (exactlyOnce) {
      try {
        // beginTransaction runs InitProducerId the first time; cancel() only forgets the
        // (empty) transaction on the client, so the next beginTransaction skips the init.
        // -1/-1 says "no previous producer": the client's default (0/0) claims to resume
        // producer 0, which the coordinator answers with PRODUCER_FENCED once the id has history.
        // With `resume` (the producer id and epoch of a producer whose transaction timed out),
        // the coordinator lets this producer continue that id (KIP-588) unless another instance
        // took the transactional id meanwhile: then it answers PRODUCER_FENCED.
        const tx = await producer.beginTransaction(resume ?? { producerId: -1n, producerEpoch: -1 })
        await tx.cancel()
      } catch (error) {
        await Promise.resolve(producer.close(true)).catch(() => {})
        throw classify(error, transactionalId)
      }
    }
    this.#producer = producer
  }

  /** A fresh per-subscription view of the group, for the checks described at the top. */
  openSession (): GroupSession {
    return new GroupSession(this.consumer)
  }

  async write<B extends SinkBatch> (batch: B, session: GroupSession): Promise<CommittedBatch<B>> {
    if (this.#closed) throw new Error('TransactionalWriter is closed')
    const started = performance.now()
    const last = lastPerPartition(batch.records)
    if (this.guarantee === 'exactly-once') await this.#writeExactlyOnce(batch, last, session)
    else await this.#writeAtLeastOnce(batch, last)
    const offsets = new Map<string, bigint>()
    for (const r of last) offsets.set(`${r.topic}:${r.partition}`, r.offset + 1n)
    return { batch, records: batch.records.length, messages: batch.messages.length, offsets, seconds: (performance.now() - started) / 1000 }
  }

  async #writeExactlyOnce (batch: SinkBatch, last: KafkaRecord[], session: GroupSession): Promise<void> {
    session.check(batch.records)
    await this.#checkStartOffsets(batch.records, session)
    session.check([])
    if (this.#producer === undefined) await this.start()
    const producer = this.#producer!
    const consumer = this.consumer
    let tx: Transaction | undefined
    try {
      tx = await producer.beginTransaction()
      // Several requests in one transaction when the batch is larger than the broker takes at once.
      for (const messages of chunkMessages(batch.messages)) await tx.send({ messages })
      this.#fail('after-send')
      await this.#stall('after-send')
      await tx.addConsumer(consumer)
      // Sequential on purpose: the client deduplicates concurrent TxnOffsetCommit calls into one.
      for (const r of last) {
        await tx.addOffset({
          topic: r.topic,
          partition: r.partition,
          offset: r.offset,
          metadata: { consumer: { groupId: consumer.groupId, generationId: session.generation, memberId: session.memberId, coordinatorId: consumer.coordinatorId } }
        } as unknown as Parameters<Transaction['addOffset']>[0])
      }
      await tx.commit()
      this.transactions++
      session.committed(last)
    } catch (error) {
      this.aborted++
      if (epochRejected(error)) {
        // Our epoch is stale. Either the broker aborted our transaction because it outlived the
        // transaction timeout (a stalled batch) and bumped the epoch, which is not fencing (its
        // partition leaders say INVALID_PRODUCER_EPOCH, its coordinator may say PRODUCER_FENCED),
        // or another instance took our transactional id. The coordinator tells them apart: a new
        // producer asking to continue our producer id and epoch is let in only in the first case
        // (KIP-588), and gets PRODUCER_FENCED (exit 3) in the second.
        this.#options.logger?.warn(`the broker rejected this producer's epoch (${epochError(error)}); replacing the producer if no other instance took over`)
        await this.#renewProducer(producer)
        this.#options.logger?.warn('the transaction had outlived the transaction timeout and was aborted by the broker; producer replaced, re-reading from the committed offsets')
        throw new RebalanceError('the transaction outlived the transaction timeout and was aborted by the broker; re-reading from the committed offsets', { cause: error })
      }
      if (tx !== undefined) await this.#abort(tx, error)
      const classified = classify(error, this.#options.transactionalId)
      if (classified instanceof RebalanceError && classified.cause !== undefined &&
        consumer.generationId === session.generation && consumer.memberId === session.memberId) {
        // The coordinator no longer knows this membership (a broker restart, an expired session)
        // and the client has not noticed yet: rejoin now, or every retry is rejected the same way.
        this.#options.logger?.warn('the group coordinator rejected this member; rejoining the group')
        await consumer.joinGroup().catch(() => {})
      }
      throw classified
    }
  }

  /** Replaces the producer with one that continues its producer id (or learns it was fenced). */
  async #renewProducer (old: Producer): Promise<void> {
    const resume = old.producerId !== undefined && old.producerEpoch !== undefined ? { producerId: old.producerId, producerEpoch: old.producerEpoch } : undefined
    if (this.#producer === old) this.#producer = undefined
    await Promise.resolve(old.close(true)).catch(() => {})
    await this.start(resume)
  }

  async #abort (tx: Transaction, cause: unknown): Promise<void> {
    if (clientApiError(cause, 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')) return // nothing to abort with: the coordinator no longer knows our epoch
    try {
      await tx.abort()
    } catch (error) {
      // The transaction is in an unknown state on the broker. A new producer with the same
      // transactional id aborts it in InitProducerId; until then nothing may be written.
      this.#options.logger?.warn({ err: error }, 'abort failed; replacing the transactional producer')
      const old = this.#producer
      this.#producer = undefined
      if (old !== undefined) await Promise.resolve(old.close(true)).catch(() => {})
    }
  }

  // The first time a subscription commits a partition, its first record must not be behind the
  // group's stable committed offset, else it re-reads records someone already committed.
  async #checkStartOffsets (records: readonly KafkaRecord[], session: GroupSession): Promise<void> {
    const first = session.unverified(records)
    if (first.length === 0) return
    this.#admin ??= new Admin({ ...connectionOptions(this.#options.kafka, 'eos-admin'), retryDelay: 100 })
    // Only the partitions about to be committed: the other members' open transactions on their
    // own partitions must not hold this one up (with several scorers one is almost always open).
    const partitions = new Map<string, number[]>()
    for (const r of first) partitions.set(r.topic, [...(partitions.get(r.topic) ?? []), r.partition])
    const committed = await committedOffsets(this.#admin, this.consumer.groupId, { partitions, stable: true, stableTimeoutMs: this.#options.stableTimeoutMs })
    for (const r of first) {
      const c = committed.get(r.topic)?.get(r.partition)
      if (c !== undefined && r.offset < c) {
        throw new RebalanceError(`${r.topic}:${r.partition} was read from offset ${r.offset} but the group has committed ${c}; re-reading from the committed offset`)
      }
      session.verified(r)
    }
  }

  async #writeAtLeastOnce (batch: SinkBatch, last: KafkaRecord[]): Promise<void> {
    if (this.#producer === undefined) await this.start()
    for (const messages of chunkMessages(batch.messages)) await this.#producer!.send({ messages })
    if (last.length > 0) {
      await this.consumer.commit({ offsets: last.map(r => ({ topic: r.topic, partition: r.partition, offset: r.offset + 1n, leaderEpoch: -1 })) })
    }
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const producer = this.#producer
    this.#producer = undefined
    await Promise.all([Promise.resolve(producer?.close(true)), Promise.resolve(this.#admin?.close())].map(p => p.catch(() => {})))
  }
}

/**
 * What one subscription knows about its group membership: the generation its records were read
 * in, the partitions it has verified, and how far it got in each. Any rebalance after its first
 * batch marks it revoked.
 */
export class GroupSession {
  generation = -1
  memberId = ''
  #consumer: Consumer
  #revoked: string | null = null
  #positions = new Map<string, bigint>()
  #verified = new Set<string>()
  #listeners = new Set<(reason: string) => void>()
  #onJoin = (): void => this.#revoke('the group rebalanced')
  #onLeave = (): void => this.#revoke('the consumer left the group')

  constructor (consumer: Consumer) {
    this.#consumer = consumer
  }

  get revoked (): string | null {
    return this.#revoked
  }

  /** Calls `listener` once when the session is revoked; returns the unsubscribe. */
  onRevoked (listener: (reason: string) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  /**
   * Validates a batch before its transaction: no rebalance since the session began, every
   * partition still assigned, offsets only moving forward. Starts the session on first use.
   */
  check (records: readonly KafkaRecord[]): void {
    const consumer = this.#consumer
    if (this.generation === -1) {
      // Join events before this point belong to the subscription's own (re)join.
      this.generation = consumer.generationId
      this.memberId = consumer.memberId ?? ''
      consumer.on('consumer:group:join', this.#onJoin)
      consumer.on('consumer:group:rebalance', this.#onJoin)
      consumer.on('consumer:group:leave', this.#onLeave)
    }
    if (this.#revoked !== null) throw new RebalanceError(`${this.#revoked}; aborting the batch and re-reading from the committed offsets`)
    if (consumer.generationId !== this.generation) throw new RebalanceError(`group generation moved from ${this.generation} to ${consumer.generationId}`)
    const assigned = consumer.assignments ?? []
    const seen = new Map<string, bigint>()
    for (const r of records) {
      const key = `${r.topic}:${r.partition}`
      const previous = seen.get(key) ?? this.#positions.get(key)
      if (previous !== undefined && r.offset <= previous) {
        throw new RebalanceError(`${key} went back from offset ${previous} to ${r.offset} (the client re-read after a rebalance)`)
      }
      if (!seen.has(key) && !assigned.some(a => a.topic === r.topic && a.partitions.includes(r.partition))) {
        throw new RebalanceError(`${key} is no longer assigned to this member`)
      }
      seen.set(key, r.offset)
    }
  }

  /** First records of partitions not yet checked against the stable committed offsets. */
  unverified (records: readonly KafkaRecord[]): KafkaRecord[] {
    const first = new Map<string, KafkaRecord>()
    for (const r of records) {
      const key = `${r.topic}:${r.partition}`
      if (!this.#verified.has(key) && !first.has(key)) first.set(key, r)
    }
    return [...first.values()]
  }

  verified (record: KafkaRecord): void {
    this.#verified.add(`${record.topic}:${record.partition}`)
  }

  committed (last: readonly KafkaRecord[]): void {
    for (const r of last) this.#positions.set(`${r.topic}:${r.partition}`, r.offset)
  }

  dispose (): void {
    this.#consumer.off('consumer:group:join', this.#onJoin)
    this.#consumer.off('consumer:group:rebalance', this.#onJoin)
    this.#consumer.off('consumer:group:leave', this.#onLeave)
    this.#listeners.clear()
  }

  #revoke (reason: string): void {
    if (this.#revoked !== null) return
    this.#revoked = reason
    for (const listener of [...this.#listeners]) listener(reason)
  }
}

/**
 * Writes each batch with `writer`, one at a time and in order, and emits what was committed.
 * On a failure the open transaction is aborted and the error goes downstream after the batch in
 * flight has finished; batches still queued are dropped (they were not committed, so a
 * resubscription reads them again). A rebalance while idle errors at once with RebalanceError;
 * during a transaction it lets the broker decide (commit, or reject the stale generation).
 *
 * @example
 * const writer = new TransactionalWriter({ kafka, consumer, transactionalId: 'scorer-1' })
 * await writer.start()
 * defer(() => fromGroup({ topics: ['susy-test'], groupId: 'g', consumer })).pipe(
 *   batch(1024, { maxWaitMs: 100 }),
 *   map(records => ({ records, messages: records.map(toOutput) })),
 *   transactionalSink(writer),
 *   retry({ delay: (err) => err instanceof FencedError ? throwError(() => err) : timer(100) })
 * )
 */
export function transactionalSink<B extends SinkBatch> (writer: TransactionalWriter): OperatorFunction<B, CommittedBatch<B>> {
  return source => new Observable<CommittedBatch<B>>(subscriber => {
    const session = writer.openSession()
    const queue: B[] = []
    let busy = false
    let sourceDone = false
    let pendingError: { error: unknown } | null = null

    const finish = (): void => {
      if (pendingError !== null) subscriber.error(pendingError.error)
      else if (sourceDone) subscriber.complete()
    }

    const drain = async (): Promise<void> => {
      if (busy) return
      busy = true
      try {
        while (queue.length > 0 && pendingError === null && !subscriber.closed) {
          subscriber.next(await writer.write(queue.shift()!, session))
        }
      } catch (error) {
        pendingError ??= { error }
      }
      busy = false
      if (pendingError !== null) queue.length = 0
      finish()
    }

    const offRevoked = writer.guarantee === 'exactly-once'
      ? session.onRevoked(reason => {
        pendingError ??= { error: new RebalanceError(`${reason}; re-reading from the committed offsets`) }
        if (!busy) finish()
      })
      : undefined

    const subscription = source.subscribe({
      next (batch) {
        if (pendingError !== null) return
        queue.push(batch)
        void drain()
      },
      error (error) {
        pendingError ??= { error }
        if (!busy) finish()
      },
      complete () {
        sourceDone = true
        if (!busy && queue.length === 0) finish()
      }
    })

    return () => {
      subscription.unsubscribe()
      offRevoked?.()
      session.dispose()
      queue.length = 0
    }
  })
}

/** 10, 20, 40 ... ms, at most 1 s. */
function retryBackoff (_client: unknown, _operation: string, attempt: number): number {
  return Math.min(10 * 2 ** (attempt - 1), 1000)
}

/** The record with the highest offset of each partition (the one whose offset is committed). */
function lastPerPartition (records: readonly KafkaRecord[]): KafkaRecord[] {
  const last = new Map<string, KafkaRecord>()
  for (const r of records) {
    const key = `${r.topic}:${r.partition}`
    const seen = last.get(key)
    if (seen === undefined || r.offset > seen.offset) last.set(key, r)
  }
  return [...last.values()]
}

/** The broker no longer takes our producer epoch: a timed-out transaction, or fencing (see #writeExactlyOnce). */
function epochRejected (error: unknown): boolean {
  return epochError(error) !== undefined
}

function epochError (error: unknown): string | undefined {
  return clientApiError(error, 'INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED')
}

/** Turns client errors that mean "stop" or "re-read" into FencedError / RebalanceError. */
function classify (error: unknown, transactionalId: string | undefined): unknown {
  if (error instanceof FencedError || error instanceof RebalanceError) return error
  if (clientApiError(error, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')) {
    return new FencedError(`not authorized to use transactional id "${transactionalId}"`, { cause: error })
  }
  if (clientApiError(error, 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH')) {
    return new FencedError(`fenced: another instance started with transactional id "${transactionalId}" and took over; ` +
      'this one stops (give each running scorer its own --transactional-id)', { cause: error })
  }
  const moved = clientApiError(error, 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID', 'REBALANCE_IN_PROGRESS')
  if (moved) return new RebalanceError(`the group coordinator rejected the offsets (${moved}): partitions moved; re-reading from the committed offsets`, { cause: error })
  return error
}
