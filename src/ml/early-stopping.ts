// Keras-style EarlyStopping(monitor='val_loss', patience, restore_best_weights) and
// ReduceLROnPlateau, as plain state: the training loop feeds it one validation loss per epoch.

export interface EarlyStoppingOptions {
  /** Stop after this many epochs without a new best; 0 never stops early. */
  patience: number
  /** Halve (by `factor`) the learning rate after this many epochs without a new best; 0 never. */
  reducePatience?: number
  factor?: number
  /** An improvement smaller than this is no improvement. */
  minDelta?: number
}

export interface EpochVerdict {
  /** This epoch's loss is the best so far: keep its weights. */
  best: boolean
  /** Patience ran out: stop training. */
  stop: boolean
  /** Multiply the learning rate by this (1: unchanged). */
  learningRateFactor: number
}

export class EarlyStopping {
  bestEpoch = 0
  bestLoss = Infinity
  #sinceBest = 0
  #sinceReduce = 0
  readonly #o: Required<EarlyStoppingOptions>

  constructor (options: EarlyStoppingOptions) {
    this.#o = { reducePatience: 0, factor: 0.5, minDelta: 0, ...options }
  }

  update (epoch: number, loss: number): EpochVerdict {
    if (Number.isFinite(loss) && loss < this.bestLoss - this.#o.minDelta) {
      this.bestLoss = loss
      this.bestEpoch = epoch
      this.#sinceBest = 0
      this.#sinceReduce = 0
      return { best: true, stop: false, learningRateFactor: 1 }
    }
    this.#sinceBest++
    this.#sinceReduce++
    const { patience, reducePatience, factor } = this.#o
    const reduce = reducePatience > 0 && this.#sinceReduce >= reducePatience
    if (reduce) this.#sinceReduce = 0
    return { best: false, stop: patience > 0 && this.#sinceBest >= patience, learningRateFactor: reduce ? factor : 1 }
  }
}
