// The tutorial's SUSY classifier: an MLP over the 18 features with a sigmoid output.
// Differences from the tutorial, on purpose: the loss is plain binary cross-entropy on the
// sigmoid's probability (the tutorial's `from_logits=True` on a sigmoid output is a bug).
import type { TF } from './backend.js'

export const SUSY_FEATURES = 18

export interface ModelSpec {
  /** Number of input features. */
  inputs: number
  /** Units of each hidden Dense (relu) layer. */
  hidden: number[]
  /** Dropout rate after each hidden layer (same length as `hidden`). */
  dropout: number[]
  /** Adam learning rate. */
  learningRate: number
  /** L2 penalty on every Dense kernel (Keras' kernel_regularizer=l2(λ)); 0 or absent: none. */
  l2?: number
}

/** Dense 128 / Dropout 0.2 / Dense 256 / Dropout 0.4 / Dense 128 / Dropout 0.4 / Dense 1: 68,481 weights. */
export const SUSY_MODEL: ModelSpec = {
  inputs: SUSY_FEATURES,
  hidden: [128, 256, 128],
  dropout: [0.2, 0.4, 0.4],
  learningRate: 0.001
}

export function buildModel (tf: TF, spec: ModelSpec = SUSY_MODEL): import('@tensorflow/tfjs').LayersModel {
  if (spec.hidden.length !== spec.dropout.length) throw new Error('ModelSpec: hidden and dropout need the same length')
  const model = tf.sequential({ name: 'susy' })
  spec.hidden.forEach((units, i) => {
    model.add(tf.layers.dense({ units, activation: 'relu', ...regularizer(tf, spec), ...(i === 0 ? { inputShape: [spec.inputs] } : {}) }))
    if (spec.dropout[i] > 0) model.add(tf.layers.dropout({ rate: spec.dropout[i] }))
  })
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid', ...regularizer(tf, spec) }))
  compile(tf, model, spec.learningRate)
  return model
}

function regularizer (tf: TF, spec: ModelSpec): { kernelRegularizer?: ReturnType<TF['regularizers']['l2']> } {
  return spec.l2 !== undefined && spec.l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2: spec.l2 }) } : {}
}

export function compile (tf: TF, model: import('@tensorflow/tfjs').LayersModel, learningRate: number): void {
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'binaryCrossentropy', metrics: ['accuracy'] })
}
