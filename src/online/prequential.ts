// Prequential ("test then train") validation: every row is scored by the model as it was before
// it learnt from that row, so the running accuracy is an honest held-out estimate on a stream
// that is never split into train and test sets. This is the binary meter; task-prequential.ts
// has the multiclass and regression ones and prequentialMeter, which picks one for a task.
import type { BinaryTaskMetrics } from '../ml/task-metrics.js'

/** Binary cross-entropy clips probabilities like Keras does, so one confident miss is finite. */
const EPSILON = 1e-7

/** One point of the learning curve: totals after `rows` rows, and the last mini-batch's accuracy. */
export interface PrequentialPoint {
  rows: number
  accuracy: number
  loss: number
  batchAccuracy: number
}

// AUC from score histograms: bounded memory on a stream that never ends, within ~1/BINS of exact.
const BINS = 1000

/** Accuracy and loss of one mini-batch (before the model trained on it). */
export interface BatchScore {
  rows: number
  correct: number
  accuracy: number
  loss: number
}

/**
 * Running prequential accuracy and log loss.
 *
 * ```ts
 * const preq = new PrequentialMetrics()
 * const probs = await model.predict(xs, n) // before model.fit on the same rows
 * preq.add(probs, ys, n)
 * preq.accuracy // over every row so far
 * ```
 */
export class PrequentialMetrics {
  readonly task = 'binary'
  #rows = 0
  #correct = 0
  #lossSum = 0
  readonly #curve: PrequentialPoint[] = []
  readonly #positives = new Float64Array(BINS)
  readonly #negatives = new Float64Array(BINS)

  /** Continues totals carried over from a saved version (rows, accuracy, loss over those rows). */
  constructor (start: BinaryPrequentialState = { rows: 0, accuracy: 0, loss: 0 }) {
    if (start.rows === 0) return // (a state of no rows has NaN figures)
    this.#rows = start.rows
    this.#correct = Math.round(start.accuracy * start.rows)
    this.#lossSum = start.loss * start.rows
  }

  /** Scores `n` predicted probabilities against 0/1 labels and adds them to the totals. */
  add (probabilities: ArrayLike<number>, labels: ArrayLike<number>, n: number): BatchScore {
    if (probabilities.length < n || labels.length < n) {
      throw new RangeError(`need ${n} probabilities and labels, got ${probabilities.length} and ${labels.length}`)
    }
    let correct = 0
    let lossSum = 0
    for (let i = 0; i < n; i++) {
      const p = Math.min(Math.max(probabilities[i], EPSILON), 1 - EPSILON)
      const y = labels[i]
      if ((p >= 0.5 ? 1 : 0) === y) correct++
      lossSum -= y === 1 ? Math.log(p) : Math.log(1 - p)
      const bin = Math.min(BINS - 1, Math.floor(p * BINS));
      (y === 1 ? this.#positives : this.#negatives)[bin]++
    }
    this.#rows += n
    this.#correct += correct
    this.#lossSum += lossSum
    const score = { rows: n, correct, accuracy: n > 0 ? correct / n : NaN, loss: n > 0 ? lossSum / n : NaN }
    if (n > 0) this.#curve.push({ rows: this.#rows, accuracy: this.accuracy, loss: this.loss, batchAccuracy: score.accuracy })
    return score
  }

  /** Rows scored so far. */
  get rows (): number { return this.#rows }
  /** Fraction of rows predicted right before training on them (NaN before the first row). */
  get accuracy (): number { return this.#rows > 0 ? this.#correct / this.#rows : NaN }
  /** Mean binary cross-entropy before training (NaN before the first row). */
  get loss (): number { return this.#rows > 0 ? this.#lossSum / this.#rows : NaN }
  /**
   * Area under the ROC curve of the prequential scores of the rows added here (not of totals
   * carried over from a saved version); scores in one 1/1000 bin count as ties. NaN until both
   * classes were seen.
   */
  get auc (): number {
    let negativesBelow = 0
    let pairs = 0
    let wins = 0
    for (let b = 0; b < BINS; b++) {
      wins += this.#positives[b] * (negativesBelow + this.#negatives[b] / 2)
      negativesBelow += this.#negatives[b]
    }
    let positives = 0
    for (let b = 0; b < BINS; b++) positives += this.#positives[b]
    pairs = positives * negativesBelow
    return pairs > 0 ? wins / pairs : NaN
  }

  /** The running totals after each mini-batch, for the learning-curve plot. */
  get curve (): readonly PrequentialPoint[] { return this.#curve }

  /** The running figures (accuracy and loss include carried-over totals, AUC does not; see auc). */
  figures (): BinaryTaskMetrics {
    return { task: 'binary', rows: this.rows, accuracy: this.accuracy, auc: this.auc, loss: this.loss }
  }

  /** What a saved version keeps to continue these totals (the constructor's `start`). */
  state (): BinaryPrequentialState {
    return { rows: this.rows, accuracy: this.accuracy, loss: this.loss }
  }
}

/** Totals a binary meter continues from: a saved version's lineage keeps them. */
export interface BinaryPrequentialState {
  rows: number
  accuracy: number
  loss: number
}

/**
 * Mean prequential loss over the first and the last quarter of a run's rows, from its curve
 * (cut at the mini-batch nearest each quarter): on a stationary stream the last should be no
 * higher than the first, or learning is making the model worse. Any task's curve will do (its
 * loss is a per-row mean: log loss, or the squared error of a regression).
 */
export function quarterLosses (curve: ReadonlyArray<Pick<PrequentialPoint, 'rows' | 'loss'>>): { first: number, last: number } {
  const end = curve.at(-1)
  if (end === undefined) return { first: NaN, last: NaN }
  type Point = Pick<PrequentialPoint, 'rows' | 'loss'>
  const sumAt = (p: Point | undefined): { rows: number, sum: number } => p === undefined ? { rows: 0, sum: 0 } : { rows: p.rows, sum: p.loss * p.rows }
  const nearest = (rows: number): Point => curve.reduce((a, b) => Math.abs(b.rows - rows) < Math.abs(a.rows - rows) ? b : a)
  const q1 = sumAt(nearest(end.rows / 4))
  const q3 = sumAt(nearest(end.rows * 3 / 4))
  const total = sumAt(end)
  return {
    first: q1.rows > 0 ? q1.sum / q1.rows : NaN,
    last: total.rows > q3.rows ? (total.sum - q3.sum) / (total.rows - q3.rows) : NaN
  }
}
