// How each partition of a topic is replicated right now, from the cluster metadata: the replica
// count, how many are in sync, and the leader. Under-replicated partitions (fewer in sync than
// assigned) are one more broker loss away from refusing acks=all writes, or from losing data.
import type { Admin } from '@platformatic/kafka'

export interface PartitionReplication {
  topic: string
  partition: number
  /** Node id of the leader; -1 while none is elected. */
  leader: number
  replicas: number
  inSync: number
}

/** Replication of every partition of `topics` (the ones that exist), topic by topic, partition by partition. */
export async function topicReplication (admin: Admin, topics: string[]): Promise<PartitionReplication[]> {
  if (topics.length === 0) return []
  const metadata = await admin.metadata({ topics })
  const rows: PartitionReplication[] = []
  for (const topic of topics) {
    const t = metadata.topics.get(topic)
    t?.partitions.forEach((p, partition) => rows.push({ topic, partition, leader: p.leader, replicas: p.replicas.length, inSync: p.isr.length }))
  }
  return rows
}

/** One warning line per under-replicated or leaderless partition; none when all are healthy. */
export function replicationWarnings (rows: Array<Pick<PartitionReplication, 'topic' | 'partition' | 'leader' | 'replicas' | 'inSync'>>): string[] {
  const warnings: string[] = []
  for (const r of rows) {
    if (r.leader < 0) warnings.push(`warning: ${r.topic} partition ${r.partition} has no leader: it can be neither read nor written until a replica comes back`)
    else if (r.inSync < r.replicas) warnings.push(`warning: ${r.topic} partition ${r.partition} is under-replicated: ${r.inSync} of ${r.replicas} replicas in sync`)
  }
  return warnings
}

/** One topic's replication, partitions folded together: the fewest in sync is what a loss risks. */
export interface TopicReplication {
  topic: string
  partitions: number
  /** Replicas assigned (the most of any partition: a topic's partitions normally share the factor). */
  replicas: number
  /** In-sync replicas of the worst partition. */
  inSync: number
  underReplicated: number[]
  leaderless: number[]
}

export function summarizeReplication (rows: PartitionReplication[]): TopicReplication[] {
  const topics = new Map<string, TopicReplication>()
  for (const r of rows) {
    const t = topics.get(r.topic) ?? { topic: r.topic, partitions: 0, replicas: 0, inSync: Infinity, underReplicated: [], leaderless: [] }
    t.partitions++
    t.replicas = Math.max(t.replicas, r.replicas)
    t.inSync = Math.min(t.inSync, r.inSync)
    if (r.leader < 0) t.leaderless.push(r.partition)
    else if (r.inSync < r.replicas) t.underReplicated.push(r.partition)
    topics.set(r.topic, t)
  }
  return [...topics.values()]
}

/** "3 partitions, 3 replicas, 2 in sync (under-replicated: partitions 0, 2)". */
export function formatTopicReplication (t: TopicReplication): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
  const troubles = [
    ...(t.underReplicated.length > 0 ? [`under-replicated: ${t.underReplicated.length === 1 ? 'partition' : 'partitions'} ${t.underReplicated.join(', ')}`] : []),
    ...(t.leaderless.length > 0 ? [`no leader: ${t.leaderless.length === 1 ? 'partition' : 'partitions'} ${t.leaderless.join(', ')}`] : [])
  ]
  return `${plural(t.partitions, 'partition')}, ${plural(t.replicas, 'replica')}, ${t.inSync} in sync${troubles.length > 0 ? ` (${troubles.join('; ')})` : ''}`
}
