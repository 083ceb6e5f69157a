// What one reader knows about its consumer-group membership, for exactly-once writes.
//
// @platformatic/kafka has no revocation callback and fetches committed offsets without
// requireStable, so a member can start a partition from offsets that a transaction is about to
// move. A GroupSession closes that gap: it is revoked when the group rebalances under it, a
// record going backwards (the client rewound the stream by itself) or a partition no longer
// assigned fails the batch, and the first time it commits a partition `verifyStartOffsets`
// checks, with a stable (requireStable) read of the group's offsets, that its reading started at
// the committed offset.
import { Admin, type Consumer } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.js'
import type { ConsumedRecord } from '../record.js'
import type { Logger } from '../runtime/logger.js'
import { connectionOptions } from './connection.js'
import { committedOffsets, type GroupMembership, type RecordPosition } from './offsets.js'
import { RebalanceError } from '../errors.js'

/**
 * One subscription's view of the group: the generation its records were read in, the partitions
 * it has verified, and how far it got in each. Any rebalance after its first batch revokes it.
 */
export class GroupSession implements GroupMembership {
  generation = -1
  memberId = ''
  readonly consumer: Consumer
  #revoked: string | null = null
  #positions = new Map<string, bigint>()
  #verified = new Set<string>()
  #listeners = new Set<(reason: string) => void>()
  #onJoin = (): void => this.#revoke('the group rebalanced')
  #onLeave = (): void => this.#revoke('the consumer left the group')

  constructor (consumer: Consumer) {
    this.consumer = consumer
  }

  /** Why the session ended (a rebalance, the member left), or null while it holds. */
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
  check (records: readonly RecordPosition[]): void {
    const consumer = this.consumer
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
    // Records come in runs of one partition: the key string is built once a run, not per record.
    const seen = new Map<string, bigint>()
    let run: RecordPosition | undefined
    let key = ''
    let previous: bigint | undefined
    for (const r of records) {
      const first = run === undefined || r.partition !== run.partition || r.topic !== run.topic
      if (first) {
        if (run !== undefined) seen.set(key, previous!)
        run = r
        key = `${r.topic}:${r.partition}`
        previous = seen.get(key) ?? this.#positions.get(key)
      }
      if (previous !== undefined && r.offset <= previous) {
        throw new RebalanceError(`${key} went back from offset ${previous} to ${r.offset} (the client re-read after a rebalance)`)
      }
      if (first && !seen.has(key) && !assigned.some(a => a.topic === r.topic && a.partitions.includes(r.partition))) {
        throw new RebalanceError(`${key} is no longer assigned to this member`)
      }
      previous = r.offset
    }
  }

  /** First records of partitions not yet checked against the stable committed offsets. */
  unverified<R extends RecordPosition> (records: readonly R[]): R[] {
    const first = new Map<string, R>()
    let run: R | undefined
    for (const r of records) {
      if (run !== undefined && r.partition === run.partition && r.topic === run.topic) continue
      run = r
      const key = `${r.topic}:${r.partition}`
      if (!this.#verified.has(key) && !first.has(key)) first.set(key, r)
    }
    return [...first.values()]
  }

  /** Marks `record`'s partition as checked against the group's committed offset. */
  verified (record: RecordPosition): void {
    this.#verified.add(`${record.topic}:${record.partition}`)
  }

  /** Records how far each partition got, once the batch holding `records` committed. */
  committed (records: readonly RecordPosition[]): void {
    for (const r of records) {
      const key = `${r.topic}:${r.partition}`
      const seen = this.#positions.get(key)
      if (seen === undefined || r.offset > seen) this.#positions.set(key, r.offset)
    }
  }

  /**
   * After the coordinator rejected this membership while the client still believes in it (a
   * broker restart, an expired session): rejoin now, or every retry is rejected the same way.
   */
  async rejoinIfForgotten (error: unknown, logger?: Logger): Promise<void> {
    const consumer = this.consumer
    if (!(error instanceof RebalanceError) || error.cause === undefined) return
    if (consumer.generationId !== this.generation || consumer.memberId !== this.memberId) return
    logger?.warn('the group coordinator rejected this member; rejoining the group')
    await consumer.joinGroup().catch(() => {})
  }

  /** Removes the session's listeners from the consumer. */
  dispose (): void {
    this.consumer.off('consumer:group:join', this.#onJoin)
    this.consumer.off('consumer:group:rebalance', this.#onJoin)
    this.consumer.off('consumer:group:leave', this.#onLeave)
    this.#listeners.clear()
  }

  #revoke (reason: string): void {
    if (this.#revoked !== null) return
    this.#revoked = reason
    for (const listener of [...this.#listeners]) listener(reason)
  }
}

/**
 * Checks a session's start positions against the group's stable committed offsets. Holds one
 * admin client, made on first use, for the reader's whole life.
 */
export class StartOffsetCheck {
  #kafka: KafkaConfig
  #stableTimeoutMs: number
  #admin: Admin | undefined

  constructor (kafka: KafkaConfig, stableTimeoutMs: number) {
    this.#kafka = kafka
    this.#stableTimeoutMs = stableTimeoutMs
  }

  /**
   * The first time a session commits a partition, its first record must not be behind the
   * group's stable committed offset, else it re-reads records someone already committed.
   */
  async verify (session: GroupSession, records: readonly ConsumedRecord[]): Promise<void> {
    const first = session.unverified(records)
    if (first.length === 0) return
    this.#admin ??= new Admin({ ...connectionOptions(this.#kafka, 'eos-admin'), retryDelay: 100 })
    // Only the partitions about to be committed: the other members' open transactions on their
    // own partitions must not hold this one up (with several scorers one is almost always open).
    const partitions = new Map<string, number[]>()
    for (const r of first) partitions.set(r.topic, [...(partitions.get(r.topic) ?? []), r.partition])
    const committed = await committedOffsets(this.#admin, session.consumer.groupId, { partitions, stable: true, stableTimeoutMs: this.#stableTimeoutMs })
    for (const r of first) {
      const c = committed.get(r.topic)?.get(r.partition)
      if (c !== undefined && r.offset < c) {
        throw new RebalanceError(`${r.topic}:${r.partition} was read from offset ${r.offset} but the group has committed ${c}; re-reading from the committed offset`)
      }
      session.verified(r)
    }
  }

  /** Closes the admin client. */
  async close (): Promise<void> {
    await Promise.resolve(this.#admin?.close()).catch(() => {})
    this.#admin = undefined
  }
}
