// The start check of online learning: Kafka's committed offsets for the trainer's group follow
// the registry (they are committed after each save), so they can trail the registry's position
// but never lead it. When they lead, the registry lost versions it had (a Redis restarted
// without persistence, versions deleted by hand, a head pruned away): starting anyway would
// rewind Kafka and silently train those records a second time.
import { UsageError } from '../errors.js'
import type { ResumePoint } from './lineage.js'

export interface RegistryGap {
  partition: number
  /** Next offset to read per Kafka's committed offsets. */
  committed: bigint
  /** Next offset to read per the registry. */
  registry: bigint
}

/** The partitions where Kafka's committed offset is ahead of where the registry would resume. */
export function registryGaps (committed: ReadonlyMap<number, bigint> | undefined, start: Pick<ResumePoint, 'positions'>): RegistryGap[] {
  const gaps: RegistryGap[] = []
  for (const [partition, offset] of committed ?? []) {
    const registry = start.positions[partition] ?? 0n
    if (offset > registry) gaps.push({ partition, committed: offset, registry })
  }
  return gaps.sort((a, b) => a.partition - b.partition)
}

/** The refusal, naming what is missing and the two ways on. */
export function registryGapError (gaps: RegistryGap[], { group, topic, start }: { group: string, topic: string, start: Pick<ResumePoint, 'version' | 'lineage'> }): UsageError {
  const where = gaps.slice(0, 4).map(g => `partition ${g.partition}: Kafka ${g.committed}, registry ${g.registry}`).join('; ')
  const what = start.lineage === null
    ? `the registry has no version of group ${group}'s lineage`
    : `the registry's newest version of group ${group}'s lineage (${start.version ?? '?'}) is older than what was committed: its later versions are gone`
  return new UsageError(`online: Kafka holds committed offsets for group ${group} on ${topic} (${where}) but ${what} ` +
    '(Redis restarted without persistence, or versions deleted). Starting would train those records again. ' +
    'Restore the registry, or pass --from-scratch to start from what the registry has.')
}
