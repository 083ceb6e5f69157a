// Running sums behind the multiclass and regression figures. Both are bounded (a K×K confusion
// matrix, five numbers) and mergeable, so one tally serves a held-out evaluation (evaluateTask)
// and a prequential meter on a stream that never ends (online/task-prequential.ts) alike.

/** Probabilities are clipped like binary cross-entropy's (and Keras's), so one confident miss is finite. */
export const LOSS_EPSILON = 1e-7

/** Index of the highest of `units` values at `row`; ties go to the lowest index, NaN never wins. */
export function argmax (outputs: ArrayLike<number>, row: number, units: number): number {
  const at = row * units
  let best = 0
  let bestValue = -Infinity
  for (let k = 0; k < units; k++) {
    const v = outputs[at + k]!
    if (v > bestValue) { best = k; bestValue = v }
  }
  return best
}

/** Confusion counts (rows = true class, columns = predicted) and the summed categorical cross-entropy. */
export class MulticlassTally {
  readonly confusion: number[][]
  rows = 0
  correct = 0
  lossSum = 0

  constructor (readonly classes: number) {
    this.confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0))
  }

  /**
   * Adds `n` rows of `classes` probabilities (row-major) against class indices. The loss is
   * -ln p(true class), p clipped to [ε, 1-ε]; rows are not renormalised (scikit-learn's log_loss
   * no longer does; a softmax row sums to 1 within float32 rounding, ~1e-7 of the loss).
   */
  add (outputs: ArrayLike<number>, labels: ArrayLike<number>, n: number): void {
    const k = this.classes
    if (outputs.length < n * k || labels.length < n) {
      throw new RangeError(`need ${n}×${k} outputs and ${n} labels, got ${outputs.length} and ${labels.length}`)
    }
    for (let i = 0; i < n; i++) {
      const y = labels[i]!
      if (!Number.isInteger(y) || y < 0 || y >= k) throw new RangeError(`label ${y} of row ${i} is not a class index below ${k}`)
      const predicted = argmax(outputs, i, k)
      this.confusion[y]![predicted]!++
      if (predicted === y) this.correct++
      const p = outputs[i * k + y]!
      this.lossSum -= Math.log(Math.min(1 - LOSS_EPSILON, Math.max(LOSS_EPSILON, p)))
    }
    this.rows += n
  }

  /** Share of rows whose most probable class was the true one (NaN before any row). */
  get accuracy (): number { return this.rows > 0 ? this.correct / this.rows : NaN }
  /** Mean categorical cross-entropy (NaN before any row). */
  get loss (): number { return this.rows > 0 ? this.lossSum / this.rows : NaN }

  /**
   * Unweighted mean of the per-class F1 over the classes that occur among the labels or the
   * predictions, as scikit-learn's f1_score(average='macro') does: a class that is true but never
   * predicted (or predicted but never true) has F1 0; a class absent from both is left out.
   */
  get macroF1 (): number {
    let sum = 0
    let counted = 0
    for (let c = 0; c < this.classes; c++) {
      let actual = 0
      let predicted = 0
      for (let j = 0; j < this.classes; j++) { actual += this.confusion[c]![j]!; predicted += this.confusion[j]![c]! }
      if (actual + predicted === 0) continue
      counted++
      sum += 2 * this.confusion[c]![c]! / (actual + predicted) // F1 = 2TP / (2TP + FP + FN)
    }
    return counted > 0 ? sum / counted : NaN
  }

  /** Adds carried-over confusion counts and loss (a saved version's). */
  addCounts (confusion: readonly (readonly number[])[], lossSum: number): void {
    if (confusion.length !== this.classes) throw new RangeError(`a ${confusion.length}-class confusion matrix for ${this.classes} classes`)
    confusion.forEach((row, c) => row.forEach((count, j) => {
      this.confusion[c]![j]! += count
      this.rows += count
      if (c === j) this.correct += count
    }))
    this.lossSum += lossSum
  }

  /** A copy of the confusion matrix (the tally's own keeps counting). */
  confusionCopy (): number[][] {
    return this.confusion.map(row => [...row])
  }
}

/** What RMSE, MAE and R² need: squared and absolute error sums, and the labels' mean and M2. */
export interface RegressionSums {
  rows: number
  sse: number
  sae: number
  /** Mean of the labels. */
  mean: number
  /** Sum of squared deviations of the labels from their mean (Welford's M2). */
  m2: number
}

export class RegressionTally implements RegressionSums {
  rows = 0
  sse = 0
  sae = 0
  mean = 0
  m2 = 0

  constructor (start?: RegressionSums) {
    if (start !== undefined) this.merge(start)
  }

  /** Adds `n` predicted values against their labels. */
  add (outputs: ArrayLike<number>, labels: ArrayLike<number>, n: number): void {
    if (outputs.length < n || labels.length < n) throw new RangeError(`need ${n} outputs and labels, got ${outputs.length} and ${labels.length}`)
    const batch: RegressionSums = { rows: n, sse: 0, sae: 0, mean: 0, m2: 0 }
    for (let i = 0; i < n; i++) {
      const y = labels[i]!
      const e = outputs[i]! - y
      batch.sse += e * e
      batch.sae += Math.abs(e)
      const d = y - batch.mean
      batch.mean += d / (i + 1)
      batch.m2 += d * (y - batch.mean)
    }
    this.merge(batch)
  }

  /** Chan et al.'s pairwise update: stable where summing y and y² would cancel on large labels. */
  merge (other: RegressionSums): void {
    if (other.rows === 0) return
    const rows = this.rows + other.rows
    const d = other.mean - this.mean
    this.m2 += other.m2 + d * d * this.rows * other.rows / rows
    this.mean += d * other.rows / rows
    this.rows = rows
    this.sse += other.sse
    this.sae += other.sae
  }

  /** Mean squared error: the regression loss (what an MSE-trained model minimises). */
  get mse (): number { return this.rows > 0 ? this.sse / this.rows : NaN }
  /** Root mean squared error. */
  get rmse (): number { return Math.sqrt(this.mse) }
  /** Mean absolute error (NaN before any row). */
  get mae (): number { return this.rows > 0 ? this.sae / this.rows : NaN }

  /**
   * Coefficient of determination, 1 - SSE/SS_tot. On constant labels (SS_tot 0) it is 1 for exact
   * predictions and 0 otherwise, as scikit-learn's r2_score (force_finite) says.
   */
  get r2 (): number {
    if (this.rows === 0) return NaN
    if (this.m2 === 0) return this.sse === 0 ? 1 : 0
    return 1 - this.sse / this.m2
  }

  /** The running sums, to store and continue the tally later. */
  sums (): RegressionSums {
    return { rows: this.rows, sse: this.sse, sae: this.sae, mean: this.mean, m2: this.m2 }
  }
}
