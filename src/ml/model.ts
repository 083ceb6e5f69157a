// The MLP streamfit trains: by default the tutorial's SUSY classifier (18 features, sigmoid
// output); a dataset spec changes its inputs and its task (softmax over N classes, or a linear
// output for regression). Differences from the tutorial, on purpose: the loss is plain binary
// cross-entropy on the sigmoid's probability (the tutorial's `from_logits=True` on a sigmoid
// output is a bug).
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs'
import type { TF } from './backend.js'

/** Input features of the SUSY data set. */
export const SUSY_FEATURES = 18

/** What the model's output means: P(class 1), N class probabilities, or a number. */
export type ModelTask = 'binary' | 'multiclass' | 'regression'

/** The architecture of an MLP: inputs, hidden layers with their dropout, outputs and embeddings. */
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
  /** Default binary. */
  task?: ModelTask
  /** The tfjs model's name (default "susy"). */
  name?: string
  /** Output units: the number of classes for multiclass; 1 otherwise (the default). */
  outputs?: number
  /**
   * Categorical features learnt as embeddings: each reads `categories` more one-hot input columns
   * (after the `inputs` ones), mapped to `dim` numbers by a learnt matrix.
   */
  embeddings?: Array<{ name: string, categories: number, dim: number }>
}

const OUTPUT_ACTIVATION = { binary: 'sigmoid', multiclass: 'softmax', regression: 'linear' } as const
const LOSS = { binary: 'binaryCrossentropy', multiclass: 'categoricalCrossentropy', regression: 'meanSquaredError' } as const

/** Dense 128 / Dropout 0.2 / Dense 256 / Dropout 0.4 / Dense 128 / Dropout 0.4 / Dense 1: 68,481 weights. */
export const SUSY_MODEL: ModelSpec = {
  inputs: SUSY_FEATURES,
  hidden: [128, 256, 128],
  dropout: [0.2, 0.4, 0.4],
  learningRate: 0.001
}

/** Builds an uncompiled Keras-style model from `spec` (the tutorial's SUSY MLP by default). */
export function buildModel (tf: TF, spec: ModelSpec = SUSY_MODEL): LayersModel {
  if (spec.hidden.length !== spec.dropout.length) throw new Error('ModelSpec: hidden and dropout need the same length')
  if (spec.embeddings !== undefined && spec.embeddings.length > 0) return buildEmbeddingModel(tf, spec, spec.embeddings)
  const model = tf.sequential({ name: spec.name ?? 'susy' })
  spec.hidden.forEach((units, i) => {
    model.add(tf.layers.dense({ units, activation: 'relu', ...regularizer(tf, spec), ...(i === 0 ? { inputShape: [spec.inputs] } : {}) }))
    if (spec.dropout[i] > 0) model.add(tf.layers.dropout({ rate: spec.dropout[i] }))
  })
  const task = spec.task ?? 'binary'
  const outputs = spec.outputs ?? 1
  if ((task === 'multiclass') !== (outputs > 1)) throw new Error(`ModelSpec: a ${task} model needs ${task === 'multiclass' ? 'more than one output' : 'one output'}, got ${outputs}`)
  model.add(tf.layers.dense({ units: outputs, activation: OUTPUT_ACTIVATION[task], ...regularizer(tf, spec) }))
  compile(tf, model, spec.learningRate, task)
  return model
}

/** Name prefix of the inputs that carry a category's one-hot columns to its embedding. */
export const EMBEDDING_INPUT = 'category_'

// The same MLP over the numeric inputs concatenated with each embedded category (the functional
// API: an embedding needs an input of its own). An embedding lookup is the one-hot row times a
// matrix: written as a bias-free Dense layer it trains on every backend (tfjs' Embedding layer
// needs a kernel the WASM backend lacks).
function buildEmbeddingModel (tf: TF, spec: ModelSpec, embeddings: NonNullable<ModelSpec['embeddings']>): LayersModel {
  const task = spec.task ?? 'binary'
  const dense = spec.inputs > 0 ? [tf.input({ shape: [spec.inputs], name: 'features' })] : []
  const indexes = embeddings.map(e => tf.input({ shape: [e.categories], name: `${EMBEDDING_INPUT}${e.name.replace(/[^A-Za-z0-9_]/g, '_')}` }))
  const embedded = embeddings.map((e, i) => tf.layers.dense({ units: e.dim, useBias: false }).apply(indexes[i]!) as SymbolicTensor)
  const joined = [...dense, ...embedded]
  let h = (joined.length === 1 ? joined[0]! : tf.layers.concatenate().apply(joined)) as SymbolicTensor
  spec.hidden.forEach((units, i) => {
    h = tf.layers.dense({ units, activation: 'relu', ...regularizer(tf, spec) }).apply(h) as SymbolicTensor
    if (spec.dropout[i]! > 0) h = tf.layers.dropout({ rate: spec.dropout[i]! }).apply(h) as SymbolicTensor
  })
  const out = tf.layers.dense({ units: spec.outputs ?? 1, activation: OUTPUT_ACTIVATION[task], ...regularizer(tf, spec) }).apply(h) as SymbolicTensor
  const model = tf.model({ inputs: [...dense, ...indexes], outputs: out, name: spec.name ?? 'susy' })
  compile(tf, model, spec.learningRate, task)
  return model
}

/** The task a model was built for, read off its output layer (works for imported models too). */
export function modelTask (model: LayersModel): { task: ModelTask, outputs: number } {
  const outputs = (model.outputs[0].shape as number[]).at(-1) ?? 1
  if (outputs > 1) return { task: 'multiclass', outputs }
  const activation = String((model.layers.at(-1)?.getConfig() as { activation?: string }).activation ?? 'linear')
  return { task: activation === 'sigmoid' ? 'binary' : 'regression', outputs }
}

function regularizer (tf: TF, spec: ModelSpec): { kernelRegularizer?: ReturnType<TF['regularizers']['l2']> } {
  return spec.l2 !== undefined && spec.l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2: spec.l2 }) } : {}
}

/**
 * Compiles `model` with Adam at `learningRate` and the loss of `task` (binary or categorical
 * cross-entropy, mean squared error).
 */
export function compile (tf: TF, model: LayersModel, learningRate: number, task: ModelTask = 'binary'): void {
  model.compile({ optimizer: tf.train.adam(learningRate), loss: LOSS[task], metrics: task === 'regression' ? [] : ['accuracy'] })
}
