// An exponential moving average of a model's weights (Polyak averaging), updated after every step
// of train's --average; swapped in for the predictions and snapshots that should use it.
import type { LayersModel, Variable } from '@tensorflow/tfjs'
import type { TF } from './backend.js'

export class WeightAverage {
  #updates = 0

  private constructor (private readonly tf: TF, private readonly decay: number, private readonly shadow: Variable[]) {}

  /** Starts averaging from the model's current weights. */
  static start (tf: TF, m: LayersModel, decay: number): WeightAverage {
    return new WeightAverage(tf, decay, m.weights.map(w => tf.variable(w.read().clone(), false)))
  }

  /** Folds the weights after a step into the average. */
  update (m: LayersModel): void {
    const { tf, shadow } = this
    this.#updates++
    // Bias-corrected like Adam's moments: exactly the weighted mean of the weights after each
    // step so far with weights decay^age, so the starting weights do not linger in the average.
    const rate = (1 - this.decay) / (1 - this.decay ** this.#updates)
    tf.tidy(() => m.weights.forEach((w, i) => shadow[i].assign(tf.add(shadow[i], tf.mul(tf.sub(w.read(), shadow[i]), rate)))))
  }

  /** Exchanges the model's weights with the average's (twice restores them). */
  swap (m: LayersModel): void {
    const { tf, shadow } = this
    tf.tidy(() => m.weights.forEach((w, i) => {
      const trained = w.read().clone()
      w.write(shadow[i])
      shadow[i].assign(trained)
    }))
  }

  dispose (): void {
    this.tf.dispose(this.shadow)
  }
}
