// The online trainer's lineage: the chain of model versions one trainer (one consumer group on
// one topic) has saved. Each version records what it learnt since its parent, so the chain
// proves exactly-once training: consecutive versions' ranges touch, none overlap.
import type { PrequentialState } from './task-prequential.js'
import type { ConsumedRange } from './consumed.js'
import type { DriftState } from './drift.js'

/** Stored with every version the online trainer saves (in the version's metadata). */
export interface OnlineLineage {
  /** Consumer group of the trainer; one group = one lineage. */
  group: string
  topic: string
  /** Kafka's id of the topic: a topic deleted and created again (load --fresh) starts a new lineage. */
  topicId: string
  /** The previous version of this lineage (null for the first one). */
  parent: string | null
  /** Next offset to read per partition (index = partition), decimal text. Resume starts here. */
  positions: string[]
  /** What this version learnt since `parent`. */
  ranges: ConsumedRange[]
  /** Rows trained over the whole lineage, this version included. */
  rows: number
  /** Mini-batches trained over the whole lineage. */
  batches: number
  /** Prequential totals over the whole lineage. */
  /** The meter's totals (binary and multiclass: rows, accuracy, loss; regression: its sums). */
  prequential: PrequentialState
  /** The drift detector's state and every detection so far (absent: saved before drift detection, or with it off). */
  drift?: DriftState
}

/** Where a trainer starts: the model to continue and the offsets to read from. */
export interface ResumePoint {
  /** The version whose weights are continued (null: a new model). */
  version: string | null
  /** The lineage to extend (null: this trainer has saved nothing yet for this topic). */
  lineage: OnlineLineage | null
  /** Next offset per partition. */
  positions: bigint[]
}

/** Checks that `lineage` belongs to this trainer and this incarnation of the topic. */
export function sameLineage (lineage: OnlineLineage | null | undefined, group: string, topic: string, topicId: string): lineage is OnlineLineage {
  return lineage != null && lineage.group === group && lineage.topic === topic && lineage.topicId === topicId
}
