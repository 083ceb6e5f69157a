// Prequential ("test then train") meters for the spec's other tasks, beside the binary one
// (prequential.ts, unchanged): each row is scored before the model learns from it. A meter's
// figures cover every row added since it started (plus the totals it continued from, which is
// how a lineage's figures span its versions); each add() also returns that mini-batch's own.
//   multiclass: accuracy, log loss and macro-F1, from a confusion matrix (bounded memory);
//   regression: RMSE, MAE and R², from five running sums; its loss is the MSE.
import { MulticlassTally, RegressionTally, type RegressionSums } from '../ml/task-tallies.js'
import { multiclassFigures, regressionFigures, type MulticlassMetrics, type RegressionMetrics, type ResolvedTask, type TaskMetrics } from '../ml/task-metrics.js'
import { PrequentialMetrics, type BatchScore, type BinaryPrequentialState, type PrequentialPoint } from './prequential.js'

export interface MulticlassBatchScore extends BatchScore {
  macroF1: number
}

/** Test-then-train figures of one regression mini-batch. */
export interface RegressionBatchScore {
  rows: number
  /** Mean squared error. */
  loss: number
  rmse: number
  mae: number
  r2: number
}

/** The test-then-train figures of one mini-batch, for any task. */
export type TaskBatchScore = BatchScore | MulticlassBatchScore | RegressionBatchScore

export interface MulticlassPoint extends PrequentialPoint {
  macroF1: number
}

/** Running regression figures after a mini-batch; `loss` is the running MSE (quarterLosses reads it). */
export interface RegressionPoint {
  rows: number
  loss: number
  rmse: number
  mae: number
  r2: number
  batchRmse: number
}

/** A point of the prequential curve, for any task. */
export type TaskPrequentialPoint = PrequentialPoint | MulticlassPoint | RegressionPoint

export interface MulticlassPrequentialState extends BinaryPrequentialState {
  /** confusion[true][predicted]; accuracy and loss are kept too for readers of any task's state. */
  confusion: number[][]
}

export interface RegressionPrequentialState extends RegressionSums {
  /** Mean squared error (what `loss` means for a regression meter). */
  loss: number
}

/** What a saved version keeps to continue a prequential meter, for any task. */
export type PrequentialState = BinaryPrequentialState | MulticlassPrequentialState | RegressionPrequentialState

/** What the online learner needs of a meter, whatever the task. */
export interface PrequentialMeter {
  readonly task: ResolvedTask['type']
  /** Scores `n` rows of outputs (n × units, row-major) against their labels, then adds them to the totals. */
  add: (outputs: ArrayLike<number>, labels: ArrayLike<number>, n: number) => TaskBatchScore
  readonly rows: number
  /** Mean per-row loss so far: log loss (binary, multiclass) or squared error (regression). */
  readonly loss: number
  /** The run's figures so far, of the meter's task. */
  figures: () => TaskMetrics
  /** What a saved version keeps to continue these totals (prequentialMeter's `start`). */
  state: () => PrequentialState
  readonly curve: readonly TaskPrequentialPoint[]
}

/** The meter for `task`, continuing `start` (a saved version's state()) when given. */
export function prequentialMeter (task: ResolvedTask, start?: PrequentialState): PrequentialMeter {
  switch (task.type) {
    case 'binary': return new PrequentialMetrics(start as BinaryPrequentialState | undefined)
    case 'multiclass': return new MulticlassPrequential(task.classes, start as MulticlassPrequentialState | undefined)
    case 'regression': return new RegressionPrequential(start as RegressionPrequentialState | undefined)
  }
}

export class MulticlassPrequential implements PrequentialMeter {
  readonly task = 'multiclass'
  readonly #tally: MulticlassTally
  readonly #classes: string[]
  readonly #curve: MulticlassPoint[] = []

  constructor (classes: string[], start?: MulticlassPrequentialState) {
    this.#classes = [...classes]
    this.#tally = new MulticlassTally(classes.length)
    if (start !== undefined && start.rows > 0) {
      if (!Array.isArray(start.confusion)) throw new TypeError('a multiclass prequential state needs its confusion matrix')
      this.#tally.addCounts(start.confusion, start.loss * start.rows)
    }
  }

  add (outputs: ArrayLike<number>, labels: ArrayLike<number>, n: number): MulticlassBatchScore {
    const batch = new MulticlassTally(this.#classes.length)
    batch.add(outputs, labels, n)
    this.#tally.addCounts(batch.confusion, batch.lossSum)
    const score = { rows: n, correct: batch.correct, accuracy: batch.accuracy, loss: batch.loss, macroF1: batch.macroF1 }
    if (n > 0) this.#curve.push({ rows: this.rows, accuracy: this.accuracy, loss: this.loss, macroF1: this.macroF1, batchAccuracy: score.accuracy })
    return score
  }

  /** Rows scored so far. */
  get rows (): number { return this.#tally.rows }
  /** Share of rows whose predicted class was the true one. */
  get accuracy (): number { return this.#tally.accuracy }
  get loss (): number { return this.#tally.loss }
  /** Unweighted mean of the per-class F1. */
  get macroF1 (): number { return this.#tally.macroF1 }
  /** The curve so far, a point per mini-batch. */
  get curve (): readonly MulticlassPoint[] { return this.#curve }

  /** The figures so far. */
  figures (): MulticlassMetrics {
    return multiclassFigures(this.#tally, this.#classes)
  }

  state (): MulticlassPrequentialState {
    const t = this.#tally
    return { rows: t.rows, accuracy: t.rows > 0 ? t.accuracy : 0, loss: t.rows > 0 ? t.loss : 0, confusion: t.confusionCopy() }
  }
}

export class RegressionPrequential implements PrequentialMeter {
  readonly task = 'regression'
  readonly #tally: RegressionTally
  readonly #curve: RegressionPoint[] = []

  constructor (start?: RegressionPrequentialState) {
    this.#tally = new RegressionTally(start)
  }

  add (outputs: ArrayLike<number>, labels: ArrayLike<number>, n: number): RegressionBatchScore {
    const batch = new RegressionTally()
    batch.add(outputs, labels, n)
    this.#tally.merge(batch)
    const score = { rows: n, loss: batch.mse, rmse: batch.rmse, mae: batch.mae, r2: batch.r2 }
    if (n > 0) this.#curve.push({ rows: this.rows, loss: this.loss, rmse: this.rmse, mae: this.mae, r2: this.r2, batchRmse: score.rmse })
    return score
  }

  /** Rows scored so far. */
  get rows (): number { return this.#tally.rows }
  /** Mean squared error so far. */
  get loss (): number { return this.#tally.mse }
  /** Root mean squared error. */
  get rmse (): number { return this.#tally.rmse }
  /** Mean absolute error. */
  get mae (): number { return this.#tally.mae }
  /** Coefficient of determination (1 is perfect, 0 predicts the mean). */
  get r2 (): number { return this.#tally.r2 }
  /** The curve so far, a point per mini-batch. */
  get curve (): readonly RegressionPoint[] { return this.#curve }

  /** The figures so far. */
  figures (): RegressionMetrics {
    return regressionFigures(this.#tally)
  }

  state (): RegressionPrequentialState {
    return { ...this.#tally.sums(), loss: this.#tally.rows > 0 ? this.#tally.mse : 0 }
  }
}
