// The dashboard's replication per topic, read back from the per-partition gauges the replication
// poll sets (src/runtime/poll-replication.ts) and folded as `describe` folds them.
import type { MetricValue } from 'prom-client'
import { summarizeReplication, type TopicReplication } from '../kafka/replication.js'

export type { TopicReplication }

/** `mine` reads one metric's values for the app. */
export function replicationFromGauges (mine: (name: string) => Array<MetricValue<string>>): TopicReplication[] {
  const inSync = mine('streamfit_partition_in_sync_replicas')
  const leaders = mine('streamfit_partition_leader')
  const same = (a: MetricValue<string>, b: MetricValue<string>): boolean => a.labels.topic === b.labels.topic && a.labels.partition === b.labels.partition
  const rows = mine('streamfit_partition_replicas').map(v => ({
    topic: String(v.labels.topic),
    partition: Number(v.labels.partition),
    replicas: v.value,
    inSync: inSync.find(i => same(i, v))?.value ?? 0,
    leader: leaders.find(l => same(l, v))?.value ?? -1
  })).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
  return summarizeReplication(rows)
}
