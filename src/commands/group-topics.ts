// The topics `lag` and `reset` look at: --topic alone; else, with --spec, the spec's input topics
// (train, read by online; test, read by score) on which the group has committed offsets; else
// every topic the group has committed.
import type { KafkaConfig } from '../config.js'
import { withAdmin } from '../kafka/admin.js'
import { committedOffsets } from '../kafka/offsets.js'
import type { DatasetSpec } from '../spec/types.js'

export interface GroupTopics {
  /** undefined: every topic the group has committed. */
  topics: string[] | undefined
  /** With --spec and no --topic, why the list may be empty: "the topics of spec NAME (a, b)". */
  scope?: string
}

export async function groupTopics (kafka: KafkaConfig, group: string, topic: string | undefined, spec: DatasetSpec | undefined): Promise<GroupTopics> {
  if (topic !== undefined) return { topics: [topic] }
  if (spec === undefined) return { topics: undefined }
  const committed = await withAdmin(kafka, admin => committedOffsets(admin, group))
  return specInputTopics(spec, [...committed].filter(([, partitions]) => partitions.size > 0).map(([name]) => name))
}

/** The spec's train and test topics among `committed`, in that order. */
export function specInputTopics (spec: DatasetSpec, committed: readonly string[]): Required<GroupTopics> {
  const inputs = [...new Set([spec.topics.train.name, spec.topics.test.name])]
  return { topics: inputs.filter(t => committed.includes(t)), scope: `the topics of spec ${spec.name} (${inputs.join(', ')})` }
}
