// Keras-style running figures of one epoch: loss and accuracy averaged over the rows seen so
// far (weighted by step size), rows and rows per second.
import type { TrainStep } from './train-batches.js'

/** The running figures of an epoch: loss and accuracy averaged over the rows so far, with throughput. */
export interface EpochProgress {
  epoch: number
  step: number
  rows: number
  loss: number
  accuracy: number
  seconds: number
  rowsPerSecond: number
}

/**
 * Keras-style running figures of one epoch: loss and accuracy weighted by step size, rows and rows per
 * second.
 */
export class EpochMeter {
  #rows = 0
  #loss = 0
  #correct = 0
  #step = 0
  readonly #started = performance.now()

  constructor (readonly epoch: number) {}

  /** Takes in one training step; returns the figures so far. */
  add (step: TrainStep): EpochProgress {
    this.#step = step.step
    this.#rows += step.n
    this.#loss += step.loss * step.n
    this.#correct += step.accuracy * step.n
    return this.progress()
  }

  /** The figures so far. */
  progress (): EpochProgress {
    const seconds = (performance.now() - this.#started) / 1000
    const rows = this.#rows
    return {
      epoch: this.epoch,
      step: this.#step,
      rows,
      loss: rows > 0 ? this.#loss / rows : NaN,
      accuracy: rows > 0 ? this.#correct / rows : NaN,
      seconds,
      rowsPerSecond: seconds > 0 ? rows / seconds : 0
    }
  }
}
