// Where a (re)started online trainer begins: its lineage's position in the registry, checked
// against Kafka's committed offsets, then written as the group's committed offsets before it joins.
import type { KafkaConfig } from '../config.js'
import { beginningOffsets, withAdmin } from '../kafka/admin.js'
import { committedOffsets } from '../kafka/offsets.js'
import type { Logger } from '../runtime/logger.js'
import type { ResumePoint } from './lineage.js'
import { positionGroup } from './position-group.js'
import { registryGapError, registryGaps } from './registry-gap.js'
import type { OnlineStore } from './store.js'

/**
 * Finds where this group's lineage stands, refuses when Kafka's committed offsets are ahead of
 * it (unless fromScratch), and writes those offsets as the group's committed ones.
 */
export async function resumeGroup (o: { kafka: KafkaConfig, topic: string, groupId: string, sessionTimeout: number, fromScratch: boolean, logger?: Logger | undefined }, store: OnlineStore): Promise<{ topicId: string, start: ResumePoint }> {
  const { kafka, topic, groupId, logger } = o
  const { id: topicId } = await describeTopic(kafka, topic)
  const start = await store.resumePoint({ group: groupId, topic, topicId, beginning: await beginningOffsets(kafka, topic) })
  // Kafka's committed offsets trail the registry's; ahead of it, the registry lost versions.
  const committed = await withAdmin(kafka, admin => committedOffsets(admin, groupId, { topics: [topic] }))
  const gaps = registryGaps(committed.get(topic), start)
  if (gaps.length > 0) {
    if (!o.fromScratch) throw registryGapError(gaps, { group: groupId, topic, start })
    logger?.warn({ gaps: gaps.map(g => ({ ...g, committed: String(g.committed), registry: String(g.registry) })) }, '--from-scratch: Kafka\'s committed offsets are ahead of the registry; retraining from the registry\'s position')
  }
  logger?.info({ version: start.version, positions: start.positions.map(String), lineage: start.lineage !== null }, start.lineage !== null
    ? `resuming ${start.version} at offsets ${start.positions.join(',')}`
    : start.version !== null ? `continuing the weights of ${start.version}, reading ${topic} from the beginning` : `new model, reading ${topic} from the beginning`)
  const waitForEmptyMs = o.sessionTimeout + 5000
  await positionGroup(kafka, {
    groupId,
    topic,
    offsets: start.positions,
    waitForEmptyMs,
    onWait: members => logger?.info({ members }, `group ${groupId} still has ${members} member(s) (a stopped trainer's session?); waiting up to ${waitForEmptyMs} ms`)
  })
  return { topicId, start }
}

async function describeTopic (kafka: KafkaConfig, topic: string): Promise<{ id: string, partitions: number }> {
  return withAdmin(kafka, async admin => {
    const metadata = await admin.metadata({ topics: [topic] })
    const info = metadata.topics.get(topic)
    if (info === undefined) throw new Error(`topic ${topic} does not exist (run streamfit load first)`)
    return { id: info.id, partitions: info.partitionsCount }
  })
}
