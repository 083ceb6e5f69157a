// Consumer-group offsets: committed offsets (stable, i.e. no transaction still pending), lag per
// partition, and resetting a stopped group for replay. Used by `lag`, `reset` and the scorer.
import { Admin, Consumer } from '@platformatic/kafka'
import { type KafkaConfig } from '../config.js'
import { UsageError } from '../errors.js'
import { clientApiError } from './client-errors.js'
import { beginningOffsets, endOffsets, withAdmin } from './admin.js'
import { connectionOptions } from './connection.js'

/** Committed offsets of a group: topic -> partition -> next offset to read (absent = never committed). */
export type GroupOffsets = Map<string, Map<number, bigint>>

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

export interface PartitionLag {
  topic: string
  partition: number
  /** Next offset the group will read; null when the group never committed this partition. */
  committed: bigint | null
  /** Log-end offset. */
  end: bigint
  /** Records the group has still to read (from the beginning when nothing is committed). */
  lag: bigint
}

/** Per-partition committed offset, end offset and lag, like `kafka-consumer-groups.sh --describe`. */
export async function groupLag (kafka: KafkaConfig, groupId: string, topics?: string[]): Promise<PartitionLag[]> {
  const committed = await withAdmin(kafka, admin => committedOffsets(admin, groupId, { topics }))
  const rows: PartitionLag[] = []
  for (const topic of topics ?? [...committed.keys()].sort()) {
    const [ends, starts] = await Promise.all([endOffsets(kafka, topic), beginningOffsets(kafka, topic)])
    ends.forEach((end, partition) => {
      const c = committed.get(topic)?.get(partition) ?? null
      const from = c ?? starts[partition] ?? 0n
      rows.push({ topic, partition, committed: c, end, lag: end > from ? end - from : 0n })
    })
  }
  return rows
}

export type ResetTarget =
  | { to: 'earliest' }
  | { to: 'latest' }
  | { to: 'offset', offset: bigint }
  | { to: 'datetime', timestamp: Date }

export interface PlannedReset {
  topic: string
  partition: number
  current: bigint | null
  target: bigint
}

export interface ResetOptions {
  /** Topics to reset (default: those the group has committed offsets for). */
  topics?: string[]
  /** Compute and return the plan without changing anything. */
  dryRun?: boolean
}

/**
 * Moves a group's committed offsets for replay. Refuses while the group has live members: their
 * in-memory positions would overwrite the reset at their next commit.
 */
export async function resetGroupOffsets (kafka: KafkaConfig, groupId: string, target: ResetTarget, { topics, dryRun = false }: ResetOptions = {}): Promise<PlannedReset[]> {
  return withAdmin(kafka, async admin => {
    const groups = await admin.describeGroups({ groups: [groupId] })
    const group = groups.get(groupId)
    if (group && group.members.size > 0) {
      const who = [...group.members.values()].map(m => `${m.clientId}@${m.clientHost}`).join(', ')
      throw new UsageError(`group ${groupId} has ${group.members.size} live member(s) (${who}); stop them before resetting its offsets`)
    }
    const committed = await committedOffsets(admin, groupId, { topics })
    const resetTopics = topics ?? [...committed.keys()].sort()
    if (resetTopics.length === 0) throw new UsageError(`group ${groupId} has no committed offsets: name the topic with --topic`)
    const plan: PlannedReset[] = []
    for (const topic of resetTopics) {
      const targets = await targetOffsets(kafka, topic, target)
      targets.forEach((offset, partition) => {
        plan.push({ topic, partition, current: committed.get(topic)?.get(partition) ?? null, target: offset })
      })
    }
    if (!dryRun) {
      await admin.alterConsumerGroupOffsets({
        groupId,
        topics: resetTopics.map(name => ({
          name,
          partitionOffsets: plan.filter(p => p.topic === name).map(p => ({ partition: p.partition, offset: p.target }))
        }))
      })
    }
    return plan
  })
}

async function targetOffsets (kafka: KafkaConfig, topic: string, target: ResetTarget): Promise<bigint[]> {
  const [starts, ends] = await Promise.all([beginningOffsets(kafka, topic), endOffsets(kafka, topic)])
  if (starts.length === 0) throw new UsageError(`topic ${topic} does not exist`)
  switch (target.to) {
    case 'earliest': return starts
    case 'latest': return ends
    // Like kafka-consumer-groups.sh: an offset outside the log is clamped to it.
    case 'offset': return starts.map((s, p) => clamp(target.offset, s, ends[p]!))
    case 'datetime': {
      const at = await offsetsForTime(kafka, topic, BigInt(target.timestamp.getTime()))
      // No record at or after the time: the end of the partition.
      return ends.map((e, p) => { const o = at[p] ?? -1n; return o >= 0n ? o : e })
    }
  }
}

async function offsetsForTime (kafka: KafkaConfig, topic: string, timestamp: bigint): Promise<bigint[]> {
  const consumer = new Consumer({ ...connectionOptions(kafka, 'offsets'), groupId: 'streamfit-offsets-probe' })
  try {
    const offsets = await consumer.listOffsets({ topics: [topic], timestamp })
    return offsets.get(topic) ?? []
  } finally {
    await consumer.close()
  }
}

function clamp (v: bigint, lo: bigint, hi: bigint): bigint {
  return v < lo ? lo : v > hi ? hi : v
}

function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
