// The shape of /api/status (what the dashboard page draws), apart from the sampler that fills it.
import type { TopologyDescription } from '../runtime/describe.js'
import type { TopicReplication } from './replication-status.js'

/** [unix time in ms, value] */
export type Point = [number, number]

export interface ThroughputStage {
  /** in: read from the topic (source); out: written to it (sink). */
  direction: 'in' | 'out'
  topic: string
  total: number
  /** Averaged over the last RATE_WINDOW_MS. */
  perSecond: number
  series: Point[]
}

export interface Status {
  app: string
  time: string
  startedAt: string
  uptimeSeconds: number
  /** The description `streamfit describe <app>` prints (as its --json). */
  topology: TopologyDescription | null
  /** The configuration as the start log shows it: secrets masked. */
  config: Record<string, unknown> | null
  throughput: ThroughputStage[]
  lag: Array<{ topic: string, partition: number, lag: number, committed: number | null }>
  /** Each topic the app reads or writes, as last polled (every 10 s): replicas, the worst partition's in-sync count, the partitions at risk. */
  replication: TopicReplication[]
  transactions: { committed: number, aborted: number }
  /** Seconds from read to commit, over the last LATENCY_WINDOW_MS (or since start when shorter). */
  batchLatency: { batches: number, p50: number | null, p99: number | null, windowSeconds: number }
  deadLetters: Array<{ reason: string, count: number }>
  model: { version: string, since: string } | null
  /** Every model version in use during this run, oldest first (online: the ones it saved). */
  versions: Array<{ version: string, at: string }>
  learning: {
    /** Online: prequential accuracy; train: the running epoch's accuracy. */
    accuracy: Point[]
    /** Online: prequential log loss; train: the running epoch's loss. */
    loss: Point[]
    /** Online: when the drift detector fired, [time ms, detections so far] (marked on the curves). */
    drifts: Point[]
    /** Train only: epochs done (fractional) and planned. */
    epoch: number | null
    epochs: number | null
    /** The task's figures (streamfit_validation_figure): train's validation after each epoch, online's prequential ones. */
    figures: TaskFigure[]
  } | null
  process: {
    pid: number
    node: string
    backend: string | null
    rssBytes: number
    eventLoopDelayP50Seconds: number | null
    eventLoopDelayP99Seconds: number | null
    uptimeSeconds: number
  }
}

/** One figure of the task (accuracy, auc, loss, macroF1, rmse, mae, r2), its last value and its history. */
export interface TaskFigure {
  figure: string
  value: number
  series: Point[]
}
