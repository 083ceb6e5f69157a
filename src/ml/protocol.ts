// Messages between the ModelRunner (main thread) and its worker. Features, labels, predictions
// and weights travel as transferred ArrayBuffers, never as arrays of numbers.
import type { BackendName, BackendPreference } from './backend.js'
import type { ModelSpec, ModelTask } from './model.js'
import type { ScalerState } from './scaler.js'
import type { ResolvedSpec } from '../spec/types.js'

/** Everything needed to rebuild a model elsewhere: what the registry stores. */
export interface ModelSnapshot {
  /** Keras-style model topology (tfjs `modelTopology`). */
  topology: object
  /** Loss, metrics and optimizer the model was compiled with. */
  trainingConfig?: object
  /** Name, shape and dtype of each tensor in `weights`, in order (model weights, then optimizer state). */
  weightSpecs: Array<{ name: string; shape: number[]; dtype: string; group?: string }>
  /** All tensors concatenated, little-endian float32 (tfjs weightData). */
  weights: Uint8Array
  /** Feature standardisation applied before the model, when one was learnt. */
  scaler?: ScalerState
  /** Regression only: the label's standardisation (the model predicts standardised values). */
  target?: ScalerState
  /**
   * The data set the model reads (format, features with their vocabularies, task): a scorer
   * decodes with it, so it reads records exactly as the trainer did. Absent: SUSY's layout.
   */
  spec?: ResolvedSpec
}

/** A model's shape: columns in, units out, and what the output means. */
export interface ModelShape {
  inputs: number
  outputs: number
  task: ModelTask
  /** Whether it learns and predicts in plain JavaScript (src/ml/js-twin.ts) rather than in tfjs. */
  jsTwin?: boolean
}

/** What the model worker is started with: the backend to load and the seed. */
export interface WorkerInit {
  backend: BackendPreference
  /** The order `auto` tries backends in (default BACKEND_NAMES). */
  order?: readonly BackendName[]
  /** Seeds every random draw in the worker (initial weights, dropout masks): reproducible runs. */
  seed?: number
  /** Models under this many weights, of Dense and Dropout layers only, learn and predict in plain JavaScript (default 0: none). */
  jsMaxWeights?: number
}

/** accuracy is NaN for a regression model. */
export interface StepResult { loss: number; accuracy: number }

/** Settings of a whole-array fit in the worker. */
export interface FitOptions {
  epochs?: number
  batchSize?: number
  /** Shuffles the rows between epochs (default true). */
  shuffle?: boolean
  /** This fit only runs at the optimizer's learning rate × this (default 1); the rate is kept. */
  rateFactor?: number
}

/** Loss and accuracy of each epoch of a fit. */
export interface FitResult {
  /** Per epoch. */
  loss: number[]
  accuracy: number[]
}

/** A call from the main thread to the model worker, one per operation. */
export type Request =
  | { op: 'create'; spec: ModelSpec; learnScaler: boolean }
  | { op: 'load'; snapshot: ModelSnapshot; learnScaler: boolean }
  | { op: 'trainBatch'; xs: Float32Array; ys: Float32Array; n: number }
  | { op: 'fit'; xs: Float32Array; ys: Float32Array; n: number; options: FitOptions }
  | { op: 'predict'; xs: Float32Array; n: number }
  | { op: 'snapshot' }
  | { op: 'freezeScaler' }
  | { op: 'average'; decay: number }
  | { op: 'swapAverage' }
  | { op: 'setLearningRate'; learningRate: number }
  | { op: 'getLearningRate' }
  | { op: 'resetOptimizer'; learningRate: number }
  | { op: 'paramCount' }
  | { op: 'shape' }
  | { op: 'memory' }

/** The worker's answer to the {@link Request} with the same id. */
export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string }

/** Sent by the worker once at start: the backend loaded, or why none did. */
export type WorkerEvent =
  | { type: 'ready'; backend: BackendName; skipped: string[] }
  | { type: 'failed'; error: string; usage: boolean }
