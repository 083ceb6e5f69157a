// The tools over a group's offsets: lag per partition, and resetting a stopped group for replay.
// Used by `lag` and `reset`; the offsets themselves are read and written in offsets.ts.
import { Consumer } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.js'
import { UsageError } from '../errors.js'
import { beginningOffsets, endOffsets, withAdmin } from './admin.js'
import { connectionOptions } from './connection.js'
import { topicReplication } from './replication.js'
import { awaitIdleGroup, committedOffsets, writeIdleGroupOffsets, type IdleGroupOptions, type PartitionOffsets } from './offsets.js'

/** A group's position and lag on one partition. */
export interface PartitionLag {
  topic: string
  partition: number
  /** Next offset the group will read; null when the group never committed this partition. */
  committed: bigint | null
  /** Log-end offset. */
  end: bigint
  /** Records the group has still to read (from the beginning when nothing is committed). */
  lag: bigint
  /** Replicas of the partition, how many are in sync, and its leader (-1: none). */
  replicas: number
  inSync: number
  leader: number
}

/** Per-partition committed offset, end offset and lag, like `kafka-consumer-groups.sh --describe`. */
export async function groupLag (kafka: KafkaConfig, groupId: string, topics?: string[]): Promise<PartitionLag[]> {
  const { committed, replication } = await withAdmin(kafka, async admin => {
    const committed = await committedOffsets(admin, groupId, { topics })
    return { committed, replication: await topicReplication(admin, topics ?? [...committed.keys()]) }
  })
  const rows: PartitionLag[] = []
  for (const topic of topics ?? [...committed.keys()].sort()) {
    const [ends, starts] = await Promise.all([endOffsets(kafka, topic), beginningOffsets(kafka, topic)])
    ends.forEach((end, partition) => {
      const c = committed.get(topic)?.get(partition) ?? null
      const from = c ?? starts[partition] ?? 0n
      const r = replication.find(x => x.topic === topic && x.partition === partition)
      rows.push({ topic, partition, committed: c, end, lag: end > from ? end - from : 0n, replicas: r?.replicas ?? 0, inSync: r?.inSync ?? 0, leader: r?.leader ?? -1 })
    })
  }
  return rows
}

/** Where {@link resetGroupOffsets} moves a group: the earliest or latest offset, or a given one. */
export type ResetTarget =
  | { to: 'earliest' }
  | { to: 'latest' }
  | { to: 'offset', offset: bigint }
  | { to: 'datetime', timestamp: Date }

/** One partition's move in an offset reset: from `current` (null: never committed) to `target`. */
export interface PlannedReset {
  topic: string
  partition: number
  current: bigint | null
  target: bigint
}

/** Settings of {@link resetGroupOffsets}. */
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
    const idle: IdleGroupOptions = {
      busy: (members, who) => new UsageError(`group ${groupId} has ${members} live member(s) (${who}); stop them before resetting its offsets`)
    }
    await awaitIdleGroup(admin, groupId, idle)
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
      const offsets: PartitionOffsets = new Map(resetTopics.map(name => [name, plan.filter(p => p.topic === name).map(p => p.target)]))
      await writeIdleGroupOffsets(admin, groupId, offsets, idle)
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
