// Held-out figures for each task of the dataset spec: binary (accuracy, AUC, log loss, as
// binaryMetrics always gave), multiclass (accuracy, macro-F1, log loss, confusion matrix) and
// regression (RMSE, MAE, R²); which one judges "better"; a short line for people; flat numbers
// for the registry and Prometheus.
import type { ResolvedSpec } from '../spec/types.js'
import { binaryMetrics, type BinaryMetrics } from './evaluation.js'
import { MulticlassTally, RegressionTally } from './task-tallies.js'

/** The task of a resolved spec (binary, multiclass with its classes, or regression). */
export type ResolvedTask = ResolvedSpec['task']

/** {@link BinaryMetrics} tagged with their task. */
export interface BinaryTaskMetrics extends BinaryMetrics {
  task: 'binary'
}

/** Figures of a multiclass classifier on labelled rows. */
export interface MulticlassMetrics {
  task: 'multiclass'
  rows: number
  accuracy: number
  /** Unweighted mean of the per-class F1 (scikit-learn's average='macro'). */
  macroF1: number
  /** Mean categorical cross-entropy, probabilities clipped to [1e-7, 1 - 1e-7]. */
  loss: number
  /** confusion[true][predicted] counts, in the order of `classes`. */
  confusion: number[][]
  classes: string[]
}

/** Figures of a regression model on labelled rows. */
export interface RegressionMetrics {
  task: 'regression'
  rows: number
  rmse: number
  mae: number
  r2: number
}

/** The figures of any task, told apart by `task`. */
export type TaskMetrics = BinaryTaskMetrics | MulticlassMetrics | RegressionMetrics

/**
 * Figures of `n` predictions. `outputs` is n × units row-major (binary: the probability of class 1;
 * multiclass: the class probabilities; regression: the value); `labels` are 0/1, class indices or
 * values.
 */
export function evaluateTask (task: ResolvedTask, outputs: Float32Array, labels: ArrayLike<number>, n: number): TaskMetrics {
  const units = task.type === 'multiclass' ? task.classes.length : 1
  if (outputs.length < n * units || labels.length < n) {
    throw new RangeError(`evaluateTask: need ${n}×${units} outputs and ${n} labels, got ${outputs.length} and ${labels.length}`)
  }
  switch (task.type) {
    case 'binary':
      return { task: 'binary', ...binaryMetrics(outputs.subarray(0, n), firstRows(labels, n)) }
    case 'multiclass': {
      const tally = new MulticlassTally(units)
      tally.add(outputs, labels, n)
      return multiclassFigures(tally, task.classes)
    }
    case 'regression': {
      const tally = new RegressionTally()
      tally.add(outputs, labels, n)
      return regressionFigures(tally)
    }
  }
}

/** The {@link MulticlassMetrics} of a tally, `classes` naming its class indexes. */
export function multiclassFigures (tally: MulticlassTally, classes: string[]): MulticlassMetrics {
  return {
    task: 'multiclass',
    rows: tally.rows,
    accuracy: tally.accuracy,
    macroF1: tally.macroF1,
    loss: tally.loss,
    confusion: tally.confusionCopy(),
    classes: [...classes]
  }
}

/** The {@link RegressionMetrics} of a tally. */
export function regressionFigures (tally: RegressionTally): RegressionMetrics {
  return { task: 'regression', rows: tally.rows, rmse: tally.rmse, mae: tally.mae, r2: tally.r2 }
}

/** The figure by which one model is judged better than another: lower is better for both. */
export interface Headline {
  /** Field of the metrics it is ("loss" or "rmse"). */
  name: 'loss' | 'rmse'
  /** How people call it. */
  label: 'log-loss' | 'RMSE'
  value: number
  direction: 'lower'
}

/** The figure two models of this task are compared by: log-loss for classifiers, RMSE for regression. */
export function headline (m: TaskMetrics): Headline {
  return m.task === 'regression'
    ? { name: 'rmse', label: 'RMSE', value: m.rmse, direction: 'lower' }
    : { name: 'loss', label: 'log-loss', value: m.loss, direction: 'lower' }
}

/** Whether `candidate` beats `incumbent` on the headline figure (a NaN never beats, and is always beaten). */
export function isBetter (candidate: TaskMetrics, incumbent: TaskMetrics): boolean {
  if (candidate.task !== incumbent.task) throw new Error(`cannot compare ${candidate.task} figures with ${incumbent.task} ones`)
  const a = headline(candidate).value
  const b = headline(incumbent).value
  if (Number.isNaN(a)) return false
  return Number.isNaN(b) || a < b
}

/** "accuracy 0.812, AUC 0.871, log-loss 0.52", "accuracy 0.812, macro-F1 0.77, log-loss 0.52", "RMSE 3.1, MAE 2.2, R² 0.84". */
export function formatMetrics (m: TaskMetrics): string {
  switch (m.task) {
    case 'binary': return `accuracy ${fig(m.accuracy)}, AUC ${fig(m.auc)}, log-loss ${fig(m.loss)}`
    case 'multiclass': return `accuracy ${fig(m.accuracy)}, macro-F1 ${fig(m.macroF1)}, log-loss ${fig(m.loss)}`
    case 'regression': return `RMSE ${fig(m.rmse)}, MAE ${fig(m.mae)}, R² ${fig(m.r2)}`
  }
}

/** Flat numbers (no confusion matrix, no class names) for the registry's metrics and Prometheus gauges. */
export function metricFigures (m: TaskMetrics): Record<string, number> {
  switch (m.task) {
    case 'binary': return { rows: m.rows, accuracy: m.accuracy, auc: m.auc, loss: m.loss }
    case 'multiclass': return { rows: m.rows, accuracy: m.accuracy, macroF1: m.macroF1, loss: m.loss }
    case 'regression': return { rows: m.rows, rmse: m.rmse, mae: m.mae, r2: m.r2 }
  }
}

/** Three significant digits without trailing zeros or an exponent below 1e21 ("n/a" for NaN). */
function fig (x: number): string {
  if (Number.isNaN(x)) return 'n/a'
  if (!Number.isFinite(x) || x === 0) return String(x)
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))))
  return String(Number(x.toFixed(Math.min(digits, 100))))
}

/** binaryMetrics wants exactly n labels. */
function firstRows (labels: ArrayLike<number>, n: number): ArrayLike<number> {
  if (labels.length === n) return labels
  if (ArrayBuffer.isView(labels)) return (labels as unknown as Float32Array).subarray(0, n)
  return Array.prototype.slice.call(labels, 0, n) as number[]
}
