// Where a restarted online trainer reads from: the offsets stored with its latest model version,
// written into the group's committed offsets BEFORE the consumer joins. The group source then
// simply starts from committed offsets, and Kafka's offsets (lag, tools) agree with the model.
//
// Why not seek inside the consumer: the group source starts from committed offsets after every
// (re)assignment; a seek done once would be undone by the next rebalance. Committing through the
// admin API needs an empty group, which it is once a killed trainer's session has expired, and
// joining the group would wait for that expiry anyway (a classic group waits for every known
// member during a rebalance).
import type { KafkaConfig } from '../config.js'
import { UsageError } from '../errors.js'
import { withAdmin } from '../kafka/admin.js'
import { writeIdleGroupOffsets } from '../kafka/offsets.js'

/** Settings of {@link positionGroup}: the group, the topic and the offset per partition to set. */
export interface PositionGroupOptions {
  groupId: string
  topic: string
  /** Next offset to read per partition (index = partition). */
  offsets: bigint[]
  /** How long to wait for a previous member (e.g. a killed trainer) to leave the group, ms. */
  waitForEmptyMs: number
  /** Called once when the group still has members and we start waiting. */
  onWait?: (members: number) => void
}

/**
 * Sets the group's committed offsets of `topic` to `offsets`, once the group has no live member.
 * Throws a UsageError when members remain after `waitForEmptyMs` (another trainer is running).
 */
export async function positionGroup (kafka: KafkaConfig, options: PositionGroupOptions): Promise<void> {
  const { groupId, topic, offsets, waitForEmptyMs, onWait } = options
  await withAdmin(kafka, admin => writeIdleGroupOffsets(admin, groupId, new Map([[topic, offsets]]), {
    waitForEmptyMs,
    ...(onWait !== undefined ? { onWait } : {}),
    busy: members => new UsageError(`group "${groupId}" still has ${members} live member(s) after ${waitForEmptyMs} ms: is another online trainer running on it?`)
  }))
}
