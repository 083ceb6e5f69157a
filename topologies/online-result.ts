// What `runOnline` returns (apart from the topology, as train-result.ts is for train).
import type { TaskMetrics } from '../src/ml/task-metrics.js'
import type { DriftDetection } from '../src/online/drift.js'
import type { WindowFigures } from '../src/online/prequential-windows.js'
import type { TaskPrequentialPoint } from '../src/online/task-prequential.js'

/** What an online run did: rows, mini-batches, versions saved and the prequential figures. */
export interface OnlineResult {
  /** Rows trained in this run. */
  rows: number
  batches: number
  /** Versions saved in this run, oldest first. */
  versions: string[]
  /** Prequential accuracy and loss over this run's rows (NaN when none). */
  prequentialAccuracy: number
  prequentialLoss: number
  /** Area under the ROC curve of this run's prequential scores. */
  prequentialAuc: number
  /** This run's prequential figures of the model's task (binary: accuracy, AUC, loss; multiclass: macro-F1 too; regression: RMSE, MAE, R²). */
  prequential: TaskMetrics
  /** The version holding this run's last weights (or the one resumed from when nothing was trained). */
  model: string | null
  /** The version this run continued from (null: a new model). */
  resumedFrom: string | null
  deadLettered: number
  backend: string
  /** Rows scored, then fitted, at a time (the resolved --step; 0: whole mini-batches). */
  step: number
  /** The new model's fast start this run used ('0': none, e.g. a continued version or a large model), as --fast-start writes it. */
  fastStart: string
  /** The drift detector and action this run used: "cusum,refit", "page-hinkley,boost", ... or "off". */
  drift: string
  /** Wall time of the run, idle waits (the stream timeout) included. */
  seconds: number
  /** Time spent on mini-batches (learning), the gaps of a trickling input left out. */
  busySeconds: number
  /** The learning curve over this run: prequential accuracy after each mini-batch. */
  curve: TaskPrequentialPoint[]
  /** Drifts detected in this run, in stream order (the lineage's earlier ones are in its versions). */
  driftDetections: DriftDetection[]
  /** With `compareWithStart`: the same curve for the starting version, frozen. */
  baselineCurve?: TaskPrequentialPoint[]
  /** With `window`: prequential accuracy and loss per window of rows. */
  windows?: WindowFigures
}
