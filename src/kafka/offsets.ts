// Every read and write of consumer-group offsets goes through this file; no other file calls the
// client's offset APIs. The rules it keeps in one place:
//
// - A committed offset is the NEXT offset to read: the last processed record's offset + 1.
//   `nextOffsets` applies it for plain commits; a transactional commit (TxnOffsetCommit) is given
//   the record itself, because @platformatic/kafka's Transaction.addOffset adds the 1.
// - Only the last record of each partition is committed: one offset per partition per commit.
// - Offsets of a group with live members are only written by those members (OffsetCommit or
//   TxnOffsetCommit): an idle group's offsets are written with the admin API, after waiting for
//   it to be empty, else a member's in-memory position overwrites them at its next commit.
// - Readers that must not re-read a transaction's input ask for stable offsets (requireStable).
import { UsageError } from '../errors.js'
import { clientApiError } from './client-errors.js'
import type { Admin, CommitOptionsPartition, Consumer, Message, Producer } from '@platformatic/kafka'
import type { ConsumedRecord } from '../record.js'

/** Where a record sits: what offset bookkeeping needs of it. */
export interface RecordPosition {
  topic: string
  partition: number
  offset: bigint
}

/** Committed offsets of a group: topic -> partition -> next offset to read (absent = never committed). */
export type GroupOffsets = Map<string, Map<number, bigint>>

/** The record with the highest offset of each topic-partition, in first-seen order. */
export function lastPerPartition<R extends RecordPosition> (records: Iterable<R>): R[] {
  // Keyed by topic, then partition number: no string built per record (this runs for every
  // record of every transaction).
  const byTopic = new Map<string, Map<number, R>>()
  const order: Array<[Map<number, R>, number]> = []
  for (const r of records) {
    let last = byTopic.get(r.topic)
    if (last === undefined) byTopic.set(r.topic, last = new Map())
    const seen = last.get(r.partition)
    if (seen === undefined) order.push([last, r.partition])
    if (seen === undefined || r.offset > seen.offset) last.set(r.partition, r)
  }
  return order.map(([last, partition]) => last.get(partition)!)
}

/** What to commit for `records`: per topic-partition, the last offset + 1 (the next to read). */
export function nextOffsets (records: Iterable<RecordPosition>): CommitOptionsPartition[] {
  return lastPerPartition(records).map(r => ({ topic: r.topic, partition: r.partition, offset: r.offset + 1n, leaderEpoch: -1 }))
}

/** "topic:partition" -> next offset to read, for reporting what a commit covered. */
export function nextOffsetsByPartition (records: Iterable<RecordPosition>): Map<string, bigint> {
  const offsets = new Map<string, bigint>()
  for (const r of lastPerPartition(records)) offsets.set(`${r.topic}:${r.partition}`, r.offset + 1n)
  return offsets
}

/**
 * Commits `records` as processed for the consumer's group: one OffsetCommit carrying, per
 * partition, the last offset + 1. The consumer must be the group member that read them.
 *
 * ```ts
 * const consumer = createGroupConsumer({ groupId: 'testcg' })
 * await lastValueFrom(fromGroup({ topics: ['susy-test'], groupId: 'testcg', consumer }).pipe(
 *   bufferCount(500),
 *   concatMap(async records => { await score(records); await commitRecords(consumer, records) })
 * ), { defaultValue: undefined })
 * await consumer.close()
 * ```
 */
export async function commitRecords (consumer: Consumer, records: Iterable<RecordPosition>): Promise<void> {
  const offsets = nextOffsets(records)
  if (offsets.length > 0) await consumer.commit({ offsets })
}

/** The group membership a transactional offset commit is fenced with (KIP-447). */
export interface GroupMembership {
  generation: number
  memberId: string
}

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>

/**
 * Adds the group's offsets for `records` to the open transaction (AddOffsetsToTxn, then one
 * TxnOffsetCommit per partition), carrying the generation and member id the records were read
 * in, so that the coordinator rejects a member the group has since moved on from.
 */
export async function addOffsetsToTransaction (tx: Transaction, consumer: Consumer, membership: GroupMembership, records: Iterable<ConsumedRecord>): Promise<void> {
  await tx.addConsumer(consumer)
  const metadata = {
    consumer: { groupId: consumer.groupId, generationId: membership.generation, memberId: membership.memberId, coordinatorId: consumer.coordinatorId }
  }
  // Sequential on purpose: the client deduplicates concurrent TxnOffsetCommit calls into one.
  for (const record of lastPerPartition(records)) await tx.addOffset(transactionalOffset(record, metadata))
}

// Transaction.addOffset takes a consumed Message and reads its topic, partition, offset and
// metadata.consumer; the record is one, rebuilt whole. Committing it alone makes no sense.
function transactionalOffset (record: ConsumedRecord, metadata: Record<string, unknown>): Message<Buffer | null, Buffer | null, string, Buffer> {
  const { topic, partition, offset, key, value, timestamp, headers } = record
  return {
    topic,
    partition,
    offset,
    key,
    value,
    timestamp,
    headers: headers as Map<string, Buffer>, // the client never changes it
    metadata,
    commit () {
      throw new Error('a record added to a transaction commits with the transaction')
    },
    toJSON: () => ({ topic, partition, offset: offset.toString(), key, value, timestamp: timestamp.toString(), headers: [...headers], metadata })
  }
}

/** Which committed offsets {@link committedOffsets} reads, and whether it waits for pending transactions. */
export interface CommittedOffsetsOptions {
  /** Only these topics (default: every topic the group has committed). */
  topics?: string[]
  /**
   * Only these partitions of these topics. With `stable`, only pending offsets of these
   * partitions are waited for: another member's transactions on its own partitions do not delay us.
   */
  partitions?: Map<string, number[]>
  /**
   * Wait until no transaction holds pending offsets for the group (requireStable). Without it a
   * reader can see the offsets from before a transaction that is about to commit and read its
   * records a second time: the race KIP-447 closes.
   */
  stable?: boolean
  /** Give up waiting for stable offsets after this long. */
  stableTimeoutMs?: number
}

const UNSTABLE_POLL_MS = 50

/** The group's committed offsets. With `stable`, waits while a transaction has offsets pending. */
export async function committedOffsets (admin: Admin, groupId: string, { topics, partitions, stable = false, stableTimeoutMs = 60_000 }: CommittedOffsetsOptions = {}): Promise<GroupOffsets> {
  const deadline = Date.now() + stableTimeoutMs
  const request = partitions !== undefined
    ? { groupId, topics: [...partitions].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) }
    : topics === undefined ? groupId : { groupId, topics: await topicPartitions(admin, topics) }
  for (;;) {
    try {
      const [group] = await admin.listConsumerGroupOffsets({ groups: [request], requireStable: stable })
      const offsets: GroupOffsets = new Map()
      for (const t of group?.topics ?? []) {
        const partitions = new Map<number, bigint>()
        for (const p of t.partitions) if (p.committedOffset >= 0n) partitions.set(p.partitionIndex, p.committedOffset)
        offsets.set(t.name, partitions)
      }
      return offsets
    } catch (error) {
      const unstable = clientApiError(error, 'UNSTABLE_OFFSET_COMMIT')
      if (!unstable || Date.now() > deadline) throw error
      await sleep(UNSTABLE_POLL_MS)
    }
  }
}

async function topicPartitions (admin: Admin, topics: string[]): Promise<{ name: string, partitionIndexes: number[] }[]> {
  const metadata = await admin.metadata({ topics })
  return topics.map(name => {
    const t = metadata.topics.get(name)
    if (!t) throw new UsageError(`topic ${name} does not exist`)
    return { name, partitionIndexes: Array.from({ length: t.partitionsCount }, (_, i) => i) }
  })
}

/** How {@link awaitIdleGroup} and {@link writeIdleGroupOffsets} treat a group that still has members. */
export interface IdleGroupOptions {
  /** How long to wait for live members (e.g. a killed trainer's expiring session) to go; default 0. */
  waitForEmptyMs?: number
  /** Called once when the group still has members and we start waiting. */
  onWait?: (members: number) => void
  /** The error to throw when members remain; given their count and "client@host" list. */
  busy: (members: number, who: string) => Error
}

/** Topic -> next offset to read per partition (index = partition). */
export type PartitionOffsets = Map<string, bigint[]>

/**
 * Resolves once `groupId` has no live member, or throws `busy(...)` when members remain after
 * `waitForEmptyMs`. Offsets may then be written with `writeIdleGroupOffsets`.
 */
export async function awaitIdleGroup (admin: Admin, groupId: string, { waitForEmptyMs = 0, onWait, busy }: IdleGroupOptions): Promise<void> {
  const deadline = Date.now() + waitForEmptyMs
  let waited = false
  for (;;) {
    const { count, who } = await liveMembers(admin, groupId)
    if (count === 0) return
    if (Date.now() >= deadline) throw busy(count, who)
    if (!waited) { onWait?.(count); waited = true }
    await sleep(250)
  }
}

/**
 * Sets an idle group's committed offsets (OffsetCommit through the admin API), after
 * `awaitIdleGroup`. Used by `reset` (replay) and by the online trainer (resume from a model).
 */
export async function writeIdleGroupOffsets (admin: Admin, groupId: string, offsets: PartitionOffsets, idle: IdleGroupOptions): Promise<void> {
  await awaitIdleGroup(admin, groupId, idle)
  const topics = [...offsets].filter(([, o]) => o.length > 0)
  if (topics.length === 0) return
  await admin.alterConsumerGroupOffsets({
    groupId,
    topics: topics.map(([name, o]) => ({ name, partitionOffsets: o.map((offset, partition) => ({ partition, offset })) }))
  })
}

const EMPTY_STATES = new Set(['EMPTY', 'DEAD'])

async function liveMembers (admin: Admin, groupId: string): Promise<{ count: number, who: string }> {
  const groups = await admin.describeGroups({ groups: [groupId] })
  const group = groups.get(groupId)
  if (group === undefined || (EMPTY_STATES.has(group.state) && group.members.size === 0)) return { count: 0, who: '' }
  const who = [...group.members.values()].map(m => `${m.clientId}@${m.clientHost}`).join(', ')
  return { count: Math.max(group.members.size, 1), who }
}

function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
