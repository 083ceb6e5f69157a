// `streamfit lag`: where a consumer group stands, per partition (the tutorial's
// `kafka-consumer-groups.sh --describe`).
import type { Command } from 'commander'
import { requireGroup, requireServices } from '../infra/probe.js'
import { groupLag, type PartitionLag } from '../kafka/group-offsets.js'
import { replicationWarnings } from '../kafka/replication.js'
import { specConfig, specFlag } from './flags.js'
import { groupTopics } from './group-topics.js'

export function register (program: Command): void {
  specFlag(program
    .command('lag')
    .description('per partition: the group\'s committed offset, the end offset and the lag'))
    .requiredOption('--group <id>', 'consumer group')
    .option('--topic <name>', 'only this topic (default: every topic the group has committed; with --spec, those of the spec\'s train and test topics)')
    .option('--json', 'print JSON: one object per partition')
    .action(async (flags: { group: string, topic?: string, spec?: string, json?: boolean }) => {
      const { config, spec } = await specConfig(flags.spec)
      requireGroup(flags.group)
      await requireServices(config, { topics: flags.topic === undefined ? [] : [flags.topic] })
      const { topics, scope } = await groupTopics(config.kafka, flags.group, flags.topic, flags.spec === undefined ? undefined : spec)
      const rows = topics?.length === 0 ? [] : await groupLag(config.kafka, flags.group, topics)
      process.stdout.write(flags.json === true ? JSON.stringify(rows.map(toJson)) + '\n' : formatLag(flags.group, rows, scope))
      for (const warning of replicationWarnings(rows)) process.stderr.write(warning + '\n')
    })
}

function toJson (r: PartitionLag): Record<string, unknown> {
  return { topic: r.topic, partition: r.partition, committed: r.committed === null ? null : Number(r.committed), end: Number(r.end), lag: Number(r.lag), replicas: r.replicas, inSync: r.inSync, leader: r.leader }
}

/** A table like kafka-consumer-groups.sh --describe. */
export function formatLag (group: string, rows: PartitionLag[], scope?: string): string {
  if (rows.length === 0) return `group ${group} has no committed offsets${scope === undefined ? '' : ` on ${scope}`}\n`
  const table = [['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'REPLICAS', 'IN-SYNC'],
    ...rows.map(r => [group, r.topic, String(r.partition), r.committed === null ? '-' : String(r.committed), String(r.end), String(r.lag), String(r.replicas), r.inSync < r.replicas ? `${r.inSync} (under-replicated)` : String(r.inSync)])]
  const widths = table[0]!.map((_, i) => Math.max(...table.map(row => row[i]!.length)))
  return table.map(row => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n'
}
