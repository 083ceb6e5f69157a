// Prequential figures in consecutive windows of a fixed number of rows (`online --window N`):
// running totals hide a drift and its recovery, a window's own accuracy shows them. Each window
// is a fresh meter of the task (task-prequential.ts), so its figures mean exactly what the run's
// do; a mini-batch that straddles a boundary is split there, row for row.
import type { ResolvedTask } from '../ml/task-metrics.js'
import { prequentialMeter, type PrequentialMeter } from './task-prequential.js'

/** The windows of a run: `accuracy[i]` and `loss[i]` cover rows i·size … (i+1)·size − 1 (the last may be shorter: `lastRows`). */
export interface WindowFigures {
  size: number
  /** Rows in the last window (size unless the run ended inside it). */
  lastRows: number
  /** Prequential accuracy per window (null for regression, which has none). */
  accuracy: Array<number | null>
  /** Mean per-row loss per window: log loss, or the squared error of a regression. */
  loss: number[]
}

/** Prequential accuracy and loss per window of N rows, each window a fresh meter (mini-batches split at window edges): `online --window`. */
export class PrequentialWindows {
  readonly size: number
  readonly #task: ResolvedTask
  readonly #units: number
  readonly #done: Array<{ accuracy: number | null, loss: number }> = []
  #open: PrequentialMeter

  constructor (task: ResolvedTask, size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a window needs a whole number of rows ≥ 1, got ${size}`)
    this.size = size
    this.#task = task
    this.#units = task.type === 'multiclass' ? task.classes.length : 1
    this.#open = prequentialMeter(task)
  }

  /** Adds `n` rows of outputs (n × units, row-major) and labels, as PrequentialMeter.add does. */
  add (outputs: ArrayLike<number>, labels: ArrayLike<number>, n: number): void {
    for (let from = 0; from < n;) {
      const take = Math.min(n - from, this.size - this.#open.rows)
      this.#open.add(rows(outputs, from * this.#units, take * this.#units), rows(labels, from, take), take)
      from += take
      if (this.#open.rows === this.size) {
        this.#done.push(figuresOf(this.#open))
        this.#open = prequentialMeter(this.#task)
      }
    }
  }

  /** The figures of every window so far, the last one possibly partial (`lastRows`). */
  figures (): WindowFigures {
    const all = this.#open.rows > 0 ? [...this.#done, figuresOf(this.#open)] : this.#done
    return {
      size: this.size,
      lastRows: this.#open.rows > 0 ? this.#open.rows : (all.length > 0 ? this.size : 0),
      accuracy: all.map(w => w.accuracy),
      loss: all.map(w => w.loss)
    }
  }
}

function figuresOf (meter: PrequentialMeter): { accuracy: number | null, loss: number } {
  const accuracy = 'accuracy' in meter && typeof meter.accuracy === 'number' ? meter.accuracy : null
  return { accuracy, loss: meter.loss }
}

function rows (values: ArrayLike<number>, from: number, count: number): ArrayLike<number> {
  return ArrayBuffer.isView(values) ? (values as unknown as Float32Array).subarray(from, from + count) : Array.prototype.slice.call(values, from, from + count)
}
