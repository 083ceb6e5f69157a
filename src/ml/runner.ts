// ModelRunner: the main thread's handle on a model that lives in a worker thread.
// Training, prediction and snapshots run there, so a long fit never delays Kafka heartbeats,
// fetches or commits on the main thread. Requests are served in order, one at a time.
//
//   const runner = await ModelRunner.create({ backend: 'auto', seed: 42 })
//   await runner.trainBatch(xs, ys, 64)          // one Adam step
//   const scores = await runner.predict(xs, 64)  // Predictor contract
//   const snapshot = await runner.snapshot()     // for the registry
//   await runner.close()
import { Worker } from 'node:worker_threads'
import { UsageError } from '../errors.js'
import { metrics } from '../runtime/metrics.js'
import type { BackendName, BackendPreference } from './backend.js'
import { SUSY_MODEL, type ModelSpec } from './model.js'
import type { Predictor } from './predictor.js'
import type { FitOptions, FitResult, ModelShape, ModelSnapshot, Reply, Request, StepResult, WorkerEvent, WorkerInit } from './protocol.js'
import type { ScalerState } from './scaler.js'
import type { ResolvedSpec } from '../spec/types.js'
import { binaryMetrics, type BinaryMetrics } from './evaluation.js'
import { evaluateTask, type TaskMetrics } from './task-metrics.js'

/** How a {@link ModelRunner} starts: backend, seed, and a new model or a stored one. */
export interface ModelRunnerOptions {
  /** Backend to compute on (default auto: gpu, node, wasm, cpu, first that loads). */
  backend?: BackendPreference
  /** The order `auto` tries backends in (default gpu, node, wasm, cpu; online learning passes SMALL_STEP_ORDER). */
  autoOrder?: readonly BackendName[]
  /** Seeds weight initialisation and dropout in the worker for reproducible runs. */
  seed?: number
  /** Architecture of a new model (default: the tutorial's SUSY MLP). Ignored when `snapshot` is given. */
  model?: ModelSpec
  /** Start from a stored model instead of a fresh one. */
  snapshot?: ModelSnapshot
  /** The data set a new model reads (kept with its snapshots); a stored one brings its own. */
  spec?: ResolvedSpec
  /** Learn feature standardisation from the training rows (until `freezeScaler()`); default false. */
  learnScaler?: boolean
  /** Version name reported to scoring (Predictor.version), e.g. "susy@3". */
  version?: string
  /**
   * Threads TensorFlow may use within one operation on the native backend (its
   * TF_NUM_INTRAOP_THREADS; default one per core). Process-wide: the first runner of the
   * process to load the native backend fixes it, and a TF_NUM_INTRAOP_THREADS already set wins.
   */
  computeThreads?: number
  /**
   * Models under this many weights, of Dense and Dropout layers only, learn and predict in plain
   * JavaScript (src/ml/dense-net.ts): a small model's step costs microseconds there, against
   * tfjs' fixed cost per op (online passes onlineDefaults.jsTwinMaxWeights). Default 0: never.
   */
  jsMaxWeights?: number
}

/**
 * The scorer's compute threads. Its main thread decodes, encodes and commits while the model
 * predicts: with TensorFlow's default pool on both cores of a 2-core machine, the two competed,
 * and one thread scored faster: 190-229k against 166-194k records/s exactly-once in bench/score.ts.
 */
export const SCORE_COMPUTE_THREADS = 1

interface Pending { resolve: (value: unknown) => void; reject: (error: Error) => void }

/**
 * A model held in a worker thread: train, predict, snapshot. Compute runs off the main thread so a
 * long fit never delays Kafka heartbeats, fetches or commits.
 */
export class ModelRunner implements Predictor {
  /** Registry version of the weights in use; set it after saving or loading a version. */
  version: string
  /** Weights in the model (68,481 for the tutorial's MLP). */
  params = 0
  /** Columns in, units out and the task of the model held (read off it after every create or load). */
  shape: ModelShape = { inputs: 0, outputs: 1, task: 'binary' }
  /** The data set the model reads, when known (absent: SUSY's layout). */
  spec: ResolvedSpec | undefined
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  #nextId = 0
  #closed = false
  #failure: Error | null = null

  private constructor (worker: Worker, readonly backend: BackendName, readonly skippedBackends: string[], version: string) {
    this.#worker = worker
    this.version = version
    worker.on('message', (reply: Reply) => this.#settle(reply))
    worker.on('error', error => this.#fail(error))
    worker.on('exit', code => this.#fail(new Error(`model worker exited (code ${code})`)))
  }

  /** Starts a worker, loads the backend and builds (or loads) the model. */
  static async create (options: ModelRunnerOptions = {}): Promise<ModelRunner> {
    const init: WorkerInit = { backend: options.backend ?? 'auto', order: options.autoOrder, seed: options.seed, jsMaxWeights: options.jsMaxWeights }
    // TensorFlow's C++ logging reads the process environment, which a worker cannot set: do it here.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2'
    if (options.computeThreads !== undefined) process.env.TF_NUM_INTRAOP_THREADS ??= String(options.computeThreads)
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init })
    const ready = await new Promise<WorkerEvent>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    if (ready.type === 'failed') {
      await worker.terminate()
      throw ready.usage ? new UsageError(ready.error) : new Error(ready.error)
    }
    const runner = new ModelRunner(worker, ready.backend, ready.skipped, options.version ?? 'unsaved')
    metrics.backend.set({ backend: ready.backend }, 1)
    const learnScaler = options.learnScaler ?? false
    runner.params = options.snapshot
      ? await runner.#call<number>({ op: 'load', snapshot: options.snapshot, learnScaler }, [])
      : await runner.#call<number>({ op: 'create', spec: options.model ?? SUSY_MODEL, learnScaler })
    runner.shape = await runner.#call<ModelShape>({ op: 'shape' })
    runner.spec = options.snapshot !== undefined ? options.snapshot.spec : options.spec
    return runner
  }

  /** What computes: 'js' for a model its plain-JavaScript twin learns (see jsMaxWeights), else the backend. */
  get compute (): string {
    return this.shape.jsTwin === true ? 'js' : this.backend
  }

  /** One optimizer step on n rows (xs: n × features row-major, ys: n labels 0/1). */
  trainBatch (xs: Float32Array, ys: Float32Array, n: number): Promise<StepResult> {
    return this.#call({ op: 'trainBatch', xs: copy(xs), ys: copy(ys), n })
  }

  /** tfjs `model.fit` over n rows held in memory: K epochs of mini-batches (online learning). */
  fit (xs: Float32Array, ys: Float32Array, n: number, options: FitOptions = {}): Promise<FitResult> {
    return this.#call({ op: 'fit', xs: copy(xs), ys: copy(ys), n, options })
  }

  /** n rows of outputs (row-major, shape.outputs each): P(class 1), class probabilities or values. The caller's arrays are never detached. */
  predict (xs: Float32Array, n: number): Promise<Float32Array> {
    if (n === 0) return Promise.resolve(new Float32Array(0))
    return this.#call({ op: 'predict', xs: copy(xs), n })
  }

  /** Predicts and compares with labels: rows, accuracy, AUC, loss. */
  async evaluate (xs: Float32Array, ys: Float32Array, n: number): Promise<BinaryMetrics> {
    return binaryMetrics(await this.predict(xs, n), ys.subarray(0, n))
  }

  /** Predicts and compares with labels (0/1, class indices or values): the figures of the model's task. */
  async evaluateTask (xs: Float32Array, ys: Float32Array, n: number): Promise<TaskMetrics> {
    const task = this.spec?.task ?? { type: 'binary', classes: ['0', '1'] }
    return evaluateTask(task, await this.predict(xs, n), ys, n)
  }

  /** Topology, binary weights (with optimizer state) and scaler: what the registry stores. */
  async snapshot (): Promise<ModelSnapshot> {
    const snapshot = await this.#call<ModelSnapshot>({ op: 'snapshot' })
    return this.spec !== undefined ? { ...snapshot, spec: this.spec } : snapshot
  }

  /** Replaces the model with a stored one (e.g. a newer registry version). */
  async load (snapshot: ModelSnapshot, version?: string): Promise<void> {
    this.params = await this.#call<number>({ op: 'load', snapshot, learnScaler: false }, [])
    this.shape = await this.#call<ModelShape>({ op: 'shape' })
    this.spec = snapshot.spec
    if (version) this.version = version
  }

  /** Stops the scaler learning (e.g. after the first epoch) and returns its statistics. */
  freezeScaler (): Promise<ScalerState | null> {
    return this.#call({ op: 'freezeScaler' })
  }

  /**
   * Keeps an exponential moving average of the weights from now on, updated after every
   * `trainBatch` (decay 0 stops it). Loading a model stops it too.
   */
  averageWeights (decay: number): Promise<void> {
    return this.#call({ op: 'average', decay })
  }

  /** Exchanges the model's weights with their average: predictions and snapshots then use the average; call again to go back. */
  swapAverage (): Promise<void> {
    return this.#call({ op: 'swapAverage' })
  }

  /** Tensors and bytes tfjs holds in the worker (steady between requests: nothing leaks). */
  memory (): Promise<{ numTensors: number; numBytes: number }> {
    return this.#call({ op: 'memory' })
  }

  /** Sets the optimizer's learning rate (for reduce-on-plateau and online learning). */
  setLearningRate (learningRate: number): Promise<void> {
    return this.#call({ op: 'setLearningRate', learningRate })
  }

  /** Replaces the optimizer with a fresh Adam at `learningRate` (moments forgotten, weights kept). */
  resetOptimizer (learningRate: number): Promise<void> {
    return this.#call({ op: 'resetOptimizer', learningRate })
  }

  /** The optimizer's learning rate (a loaded model keeps the one it was saved with). */
  learningRate (): Promise<number> {
    return this.#call({ op: 'getLearningRate' })
  }

  /** Ends the worker; pending requests fail. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#worker.terminate()
  }

  #call<T> (request: Request, transfer?: ArrayBuffer[]): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure)
    if (this.#closed) return Promise.reject(new Error('ModelRunner is closed'))
    const id = this.#nextId++
    const list = transfer ?? transferables(request)
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.#worker.postMessage({ id, request }, list)
    })
  }

  #settle (reply: Reply): void {
    const pending = this.#pending.get(reply.id)
    if (!pending) return
    this.#pending.delete(reply.id)
    if (reply.ok) pending.resolve(reply.value)
    else pending.reject(new Error(reply.error))
  }

  #fail (error: Error): void {
    if (!this.#closed) this.#failure = error
    const reason = this.#closed ? new Error('ModelRunner is closed') : error
    for (const p of this.#pending.values()) p.reject(reason)
    this.#pending.clear()
  }
}

/** A private copy whose buffer can be transferred (moved, not cloned) to the worker. */
function copy (a: Float32Array): Float32Array {
  return a.slice()
}

function transferables (request: Request): ArrayBuffer[] {
  const list: ArrayBuffer[] = []
  if ('xs' in request) list.push(request.xs.buffer as ArrayBuffer)
  if ('ys' in request) list.push(request.ys.buffer as ArrayBuffer)
  return list
}
