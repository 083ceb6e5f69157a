// Replication of the topics an app touches, read once for `describe` (which otherwise works
// offline): a short timeout and no retries, so an unreachable cluster costs a few seconds and
// is reported, not fatal.
import { Admin } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.js'
import { connectionOptions } from './connection.js'
import { formatTopicReplication, replicationWarnings, summarizeReplication, topicReplication, type PartitionReplication, type TopicReplication } from './replication.js'

export type ReplicationReport =
  | { topics: TopicReplication[], /** Topics the app would create on its first run. */ missing: string[], warnings: string[] }
  | { error: string }

const REPORT_TIMEOUT_MS = 3000

export async function replicationReport (kafka: KafkaConfig, topics: string[]): Promise<ReplicationReport> {
  const admin = new Admin({ ...connectionOptions(kafka, 'describe'), retries: 0, timeout: REPORT_TIMEOUT_MS, connectTimeout: REPORT_TIMEOUT_MS })
  try {
    const existing = new Set(await admin.listTopics())
    const rows = await topicReplication(admin, topics.filter(t => existing.has(t)))
    return reportOf(rows, topics)
  } catch (error) {
    return { error: `Kafka at ${kafka.brokers.join(',')} unreachable: ${(error as Error).message}` }
  } finally {
    await admin.close().catch(() => {})
  }
}

export function reportOf (rows: PartitionReplication[], topics: string[]): ReplicationReport {
  const summaries = summarizeReplication(rows)
  return { topics: summaries, missing: topics.filter(t => !summaries.some(s => s.topic === t)), warnings: replicationWarnings(rows) }
}

/** The text `describe` prints under the topology. */
export function formatReplicationReport (report: ReplicationReport): string {
  if ('error' in report) return `  Replication: unknown (${report.error})\n`
  const lines = ['  Replication:',
    ...report.topics.map(t => `    ${t.topic}: ${formatTopicReplication(t)}`),
    ...report.missing.map(t => `    ${t}: not created yet`)]
  return lines.join('\n') + '\n'
}
