// `streamfit reset`: replay by moving a stopped group's committed offsets.
import type { Command } from 'commander'
import { UsageError } from '../errors.js'
import { requireGroup, requireServices } from '../infra/probe.js'
import { resetGroupOffsets, type PlannedReset, type ResetTarget } from '../kafka/group-offsets.js'
import { specConfig, specFlag } from './flags.js'
import { groupTopics } from './group-topics.js'

interface ResetFlags {
  group: string
  toEarliest?: boolean
  toLatest?: boolean
  toOffset?: string
  toDatetime?: string
  topic?: string
  spec?: string
  dryRun?: boolean
  json?: boolean
}

export function register (program: Command): void {
  specFlag(program
    .command('reset')
    .description('move a consumer group\'s committed offsets (replay); refuses while the group has live members'))
    .requiredOption('--group <id>', 'consumer group')
    .option('--to-earliest', 'to the first offset of each partition')
    .option('--to-latest', 'to the end of each partition (skip everything)')
    .option('--to-offset <n>', 'to this offset in every partition (clamped to the partition)')
    .option('--to-datetime <iso>', 'to the first record at or after this time, e.g. 2026-11-27T00:00:00Z')
    .option('--topic <name>', 'only this topic (default: every topic the group has committed; with --spec, those of the spec\'s train and test topics)')
    .option('--dry-run', 'print the plan without changing anything')
    .option('--json', 'print the plan as JSON')
    .action(async (flags: ResetFlags) => {
      const { config, spec } = await specConfig(flags.spec)
      requireGroup(flags.group)
      const target = parseTarget(flags)
      await requireServices(config, { topics: flags.topic === undefined ? [] : [flags.topic] })
      const { topics, scope } = await groupTopics(config.kafka, flags.group, flags.topic, flags.spec === undefined ? undefined : spec)
      if (topics?.length === 0) throw new UsageError(`group ${flags.group} has no committed offsets on ${scope}: name the topic with --topic`)
      const plan = await resetGroupOffsets(config.kafka, flags.group, target, { topics, dryRun: flags.dryRun === true })
      if (flags.json === true) {
        process.stdout.write(JSON.stringify({ group: flags.group, dryRun: flags.dryRun === true, partitions: plan.map(p => ({ topic: p.topic, partition: p.partition, current: p.current === null ? null : Number(p.current), target: Number(p.target) })) }) + '\n')
      } else {
        process.stdout.write(formatPlan(flags.group, plan, flags.dryRun === true))
      }
    })
}

/** Exactly one of the --to-* flags, validated. */
export function parseTarget (flags: Pick<ResetFlags, 'toEarliest' | 'toLatest' | 'toOffset' | 'toDatetime'>): ResetTarget {
  const given = [flags.toEarliest === true, flags.toLatest === true, flags.toOffset !== undefined, flags.toDatetime !== undefined].filter(Boolean).length
  if (given !== 1) throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime ISO')
  if (flags.toEarliest === true) return { to: 'earliest' }
  if (flags.toLatest === true) return { to: 'latest' }
  if (flags.toOffset !== undefined) {
    if (!/^\d+$/.test(flags.toOffset.trim())) throw new UsageError(`--to-offset expects an offset >= 0, got "${flags.toOffset}"`)
    return { to: 'offset', offset: BigInt(flags.toOffset.trim()) }
  }
  const text = flags.toDatetime!
  const time = new Date(text)
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time.getTime())) throw new UsageError(`--to-datetime expects an ISO-8601 time such as 2026-11-27T00:00:00Z, got "${text}"`)
  return { to: 'datetime', timestamp: time }
}

function formatPlan (group: string, plan: PlannedReset[], dryRun: boolean): string {
  const lines = plan.map(p => `  ${p.topic}[${p.partition}]  ${p.current === null ? '-' : p.current} -> ${p.target}`)
  return `${dryRun ? 'would reset (dry run, nothing changed)' : 'reset'} group ${group}:\n${lines.join('\n')}\n`
}
