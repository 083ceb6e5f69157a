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
