// Prequential ("test then train") validation: every row is scored by the model as it was before
// it learnt from that row, so the running accuracy is an honest held-out estimate on a stream
// that is never split into train and test sets.

/** Binary cross-entropy clips probabilities like Keras does, so one confident miss is finite. */
const EPSILON = 1e-7

/** One point of the learning curve: totals after `rows` rows. */
export interface PrequentialPoint {
  rows: number
  accuracy: number
  loss: number
}

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
  #rows = 0
  #correct = 0
  #lossSum = 0
  readonly #curve: PrequentialPoint[] = []

  /** Continues totals carried over from a saved version (rows, accuracy, loss over those rows). */
  constructor (start: { rows: number, accuracy: number, loss: number } = { rows: 0, accuracy: 0, loss: 0 }) {
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
    }
    this.#rows += n
    this.#correct += correct
    this.#lossSum += lossSum
    if (n > 0) this.#curve.push({ rows: this.#rows, accuracy: this.accuracy, loss: this.loss })
    return { rows: n, correct, accuracy: n > 0 ? correct / n : NaN, loss: n > 0 ? lossSum / n : NaN }
  }

  /** Rows scored so far. */
  get rows (): number { return this.#rows }
  /** Fraction of rows predicted right before training on them (NaN before the first row). */
  get accuracy (): number { return this.#rows > 0 ? this.#correct / this.#rows : NaN }
  /** Mean binary cross-entropy before training (NaN before the first row). */
  get loss (): number { return this.#rows > 0 ? this.#lossSum / this.#rows : NaN }
  /** The running totals after each mini-batch, for the learning-curve plot. */
  get curve (): readonly PrequentialPoint[] { return this.#curve }
}
