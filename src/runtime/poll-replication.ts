// With a metrics server: the replication of every topic the app reads or writes, polled into
// streamfit_partition_{replicas,in_sync_replicas,leader} for /metrics and the dashboard (whose
// status reads them back from the registry). Replication changes slowly next to lag: every 10 s.
import type { Logger } from './logger.js'
import type { KafkaConfig } from '../config.js'
import { withAdmin } from '../kafka/admin.js'
import { topicReplication } from '../kafka/replication.js'
import { topologyTopics, type TopologyDescription } from './describe.js'
import { metrics } from './metrics.js'

export const DEFAULT_REPLICATION_INTERVAL_MS = 10_000

/** Starts polling; returns a stop function. A failed poll keeps the last figures (the dashboard shows them as of then). */
export function pollReplication (app: string, kafka: KafkaConfig, topology: TopologyDescription, logger: Logger, intervalMs = DEFAULT_REPLICATION_INTERVAL_MS): () => void {
  const { reads, writes } = topologyTopics(topology)
  const topics = [...new Set([...reads, ...writes])]
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const tick = async (): Promise<void> => {
    try {
      const rows = await withAdmin(kafka, async admin => {
        const existing = new Set(await admin.listTopics())
        return topicReplication(admin, topics.filter(t => existing.has(t)))
      })
      for (const r of rows) {
        const labels = { app, topic: r.topic, partition: String(r.partition) }
        metrics.partitionReplicas.set(labels, r.replicas)
        metrics.partitionInSync.set(labels, r.inSync)
        metrics.partitionLeader.set(labels, r.leader)
      }
    } catch (error) {
      // A view for dashboards: a failed poll must never stop the app.
      logger.debug({ err: error }, 'replication poll failed')
    }
    if (!stopped) timer = setTimeout(() => { void tick() }, intervalMs).unref()
  }
  void tick()
  return () => { stopped = true; clearTimeout(timer) }
}
