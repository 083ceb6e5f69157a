// The worker thread that owns TensorFlow.js and one model. Every request runs to completion
// before the next starts (a serial queue), so fit, predict and snapshots never interleave.
// Kafka I/O stays on the main thread, whose event loop this compute can no longer stall.
import { parentPort, workerData } from 'node:worker_threads'
import type { LayersModel, Tensor } from '@tensorflow/tfjs'
import { UsageError } from '../errors.js'
import { loadBackend, type TF } from './backend.js'
import { buildModel, compile, EMBEDDING_INPUT, modelTask, type ModelSpec, type ModelTask } from './model.js'
import { StreamingScaler } from './scaler.js'
import { fitRows } from './fit-rows.js'
import { JsTwin } from './js-twin.js'
import { WeightAverage } from './weight-average.js'
import { mulberry32 } from '../random.js'
import type { ModelShape, ModelSnapshot, Reply, Request, StepResult, WorkerInit, WorkerEvent } from './protocol.js'

const port = parentPort
if (!port) throw new Error('src/ml/worker.js runs as a worker thread (use ModelRunner)')
const init = workerData as WorkerInit

// tfjs draws initial weights and dropout masks from Math.random when no per-layer seed is
// given (a per-layer dropout seed would repeat the same mask every step), so a seeded
// Math.random, local to this worker's isolate, makes a whole training run reproducible.
if (init.seed !== undefined) Math.random = mulberry32(init.seed)

let tf: TF
let model: LayersModel | null = null
let scaler: StreamingScaler | null = null
// What the model's output means, read off its output layer; a regression model's labels are
// standardised by `target` (learnt with the feature scaler), so one learning rate fits any unit.
let task: { task: ModelTask, outputs: number } = { task: 'binary', outputs: 1 }
let target: StreamingScaler | null = null
// Columns of each model input, in row order: the numbers, then each embedded category's one-hot
// block; `scaled` of them (the first input's, unless every input is a category) are standardised.
let widths: number[] = []
let scaled = 0
let learnScaler = false
let queue: Promise<void> = Promise.resolve()
let average: WeightAverage | null = null
// Models under init.jsMaxWeights of Dense and Dropout layers learn and predict in plain JavaScript.
let twin: JsTwin | null = null

try {
  const loaded = await loadBackend(init.backend, init.order)
  tf = loaded.tf
  if ((init.jsMaxWeights ?? 0) > 0) twin = new JsTwin(tf, init.jsMaxWeights!)
  post({ type: 'ready', backend: loaded.name, skipped: loaded.skipped })
} catch (error) {
  post({ type: 'failed', error: (error as Error).message, usage: error instanceof UsageError })
  process.exit(0)
}

port.on('message', (message: { id: number; request: Request }) => {
  queue = queue.then(() => handle(message.request)).then(
    ({ value, transfer }) => port.postMessage({ id: message.id, ok: true, value } satisfies Reply, transfer),
    (error: Error) => port.postMessage({ id: message.id, ok: false, error: error.message } satisfies Reply)
  )
})

interface Handled { value: unknown; transfer?: ArrayBuffer[] }

/** Makes `snapshot` the worker's model; returns its parameter count. */
async function loadSnapshot (snapshot: ModelSnapshot, learn: boolean): Promise<number> {
  const weightData = snapshot.weights.buffer.slice(snapshot.weights.byteOffset, snapshot.weights.byteOffset + snapshot.weights.byteLength)
  const loaded = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: snapshot.topology,
    weightSpecs: snapshot.weightSpecs as never,
    weightData,
    trainingConfig: snapshot.trainingConfig as never
  }))
  if (!loaded.optimizer) compile(tf, loaded, 0.001, modelTask(loaded).task)
  replaceModel(loaded, snapshot, learn)
  return loaded.countParams()
}

// Requests that read or replace the tfjs model's state: the twin is written back first, and
// forgotten (true) when the request changes that state behind it.
const WRITE_TWIN_BEFORE: Partial<Record<Request['op'], boolean>> = { snapshot: false, resetOptimizer: true }

async function handle (request: Request): Promise<Handled> {
  const forget = WRITE_TWIN_BEFORE[request.op]
  if (twin !== null && model !== null && forget !== undefined) await twin.flush(model, forget)
  switch (request.op) {
    case 'create': {
      replaceModel(buildModel(tf, request.spec), undefined, request.learnScaler)
      return { value: model!.countParams() }
    }
    case 'load':
      return { value: await loadSnapshot(request.snapshot, request.learnScaler) }
    case 'trainBatch': {
      const m = need()
      const xs = prepare(request.xs, request.n, true)
      const net = await twin?.of(m)
      if (net) {
        const step = net.step(xs, labelValues(request.ys, request.n, true), request.n, (m.optimizer as unknown as { learningRate: number }).learningRate, Math.random)
        twin!.updateAverage(net)
        return { value: step }
      }
      const x = inputs(xs, request.n)
      const y = labels(request.ys, request.n, true)
      try {
        const [loss, accuracy = NaN] = [await m.trainOnBatch(x, y)].flat() as number[]
        average?.update(m)
        return { value: { loss, accuracy } satisfies StepResult }
      } finally {
        tf.dispose([x, y])
      }
    }
    case 'fit': {
      const m = need()
      const { n, options } = request
      const xs = prepare(request.xs, n, true)
      const optimizer = m.optimizer as unknown as { learningRate: number }
      const rate = optimizer.learningRate
      const net = await twin?.of(m)
      if (net) return { value: net.fit(xs, labelValues(request.ys, n, true), n, { ...options, learningRate: rate * (options.rateFactor ?? 1) }, Math.random, order => tf.util.shuffle(order)) }
      const x = inputs(xs, n)
      const y = labels(request.ys, n, true)
      if (options.rateFactor !== undefined) optimizer.learningRate = rate * options.rateFactor
      try {
        return { value: await fitRows(tf, m, x, y, n, options) }
      } finally {
        optimizer.learningRate = rate
        tf.dispose([x, y])
      }
    }
    case 'predict': {
      const m = need()
      const xs = prepare(request.xs, request.n, false)
      const net = await twin?.of(m)
      const out = net ? net.predict(xs, request.n) : await predictTf(m, xs, request.n)
      if (target !== null && target.rows > 0) untransformTarget(out)
      return { value: out, transfer: [out.buffer as ArrayBuffer] }
    }
    case 'snapshot': {
      const snapshot = await takeSnapshot(need())
      return { value: snapshot, transfer: [snapshot.weights.buffer as ArrayBuffer] }
    }
    case 'average':
      average?.dispose()
      average = null
      if (await twin?.startAverage(need(), request.decay) !== true && request.decay > 0) average = WeightAverage.start(tf, need(), request.decay)
      return { value: null }
    case 'swapAverage':
      if (twin?.averaging === true) await twin.swapAverage(need())
      else if (average !== null) average.swap(need())
      else throw new Error('no weight average: start one first')
      return { value: null }
    case 'freezeScaler':
      target?.freeze()
      return { value: scaler?.freeze() ?? null }
    case 'setLearningRate': {
      const optimizer = need().optimizer as unknown as { learningRate: number }
      optimizer.learningRate = request.learningRate
      return { value: null }
    }
    case 'resetOptimizer': {
      // A fresh Adam (moments, step count at zero), weights kept: an answer to drift (src/online/drift.ts).
      const m = need()
      m.optimizer?.dispose()
      compile(tf, m, request.learningRate, task.task)
      return { value: null }
    }
    case 'getLearningRate':
      return { value: (need().optimizer as unknown as { learningRate: number }).learningRate }
    case 'paramCount':
      return { value: need().countParams() }
    case 'shape':
      return { value: { inputs: widths.reduce((a, b) => a + b, 0), ...task, jsTwin: twin?.active ?? false } satisfies ModelShape }
    case 'memory': {
      const { numTensors, numBytes } = tf.memory()
      return { value: { numTensors, numBytes } }
    }
  }
}

function replaceModel (next: LayersModel, snapshot: ModelSnapshot | undefined, learn: boolean): void {
  average?.dispose()
  average = null
  // LayersModel.dispose() leaves a loaded model's optimizer (and its Adam moments) behind.
  model?.optimizer?.dispose()
  model?.dispose()
  model = next
  twin?.adopt(next)
  task = modelTask(next)
  widths = next.inputs.map(i => (i.shape as number[])[1]!)
  scaled = next.inputs[0]!.name.startsWith(EMBEDDING_INPUT) ? 0 : widths[0]!
  learnScaler = learn
  // A stored scaler is frozen; a new one learns from the training rows when asked to.
  const stride = widths.reduce((a, b) => a + b, 0)
  scaler = snapshot?.scaler ? new StreamingScaler(scaled, snapshot.scaler, stride) : learn && scaled > 0 ? new StreamingScaler(scaled, undefined, stride) : null
  target = task.task !== 'regression' ? null : snapshot?.target ? new StreamingScaler(1, snapshot.target) : learn ? new StreamingScaler(1) : null
}

/** The model's input tensors: the rows as they are, or cut into each input's block of columns. */
function inputs (xs: Float32Array, n: number): Tensor | Tensor[] {
  if (widths.length <= 1) return tf.tensor2d(xs, [n, xs.length / n])
  const width = widths.reduce((a, b) => a + b, 0)
  if (xs.length !== n * width) throw new Error(`bad batch: ${xs.length} values for ${n} rows of ${width}`)
  let at = 0
  return widths.map(w => {
    const block = new Float32Array(n * w)
    for (let r = 0; r < n; r++) block.set(xs.subarray(r * width + at, r * width + at + w), r * w)
    at += w
    return tf.tensor2d(block, [n, w])
  })
}

/** The model's outputs for n rows, by tfjs. */
async function predictTf (m: LayersModel, xs: Float32Array, n: number): Promise<Float32Array> {
  // An explicit batchSize: tfjs' default splits into 32-row batches, which halves the native backend's speed.
  const scores = tf.tidy(() => m.predict(inputs(xs, n), { batchSize: Math.max(1, n) }) as Tensor)
  try {
    return await scores.data() as Float32Array
  } finally {
    scores.dispose()
  }
}

/** The labels as the model learns them: 0/1, class indexes, or values standardised by `target`. */
function labelValues (ys: Float32Array, n: number, training: boolean): Float32Array {
  if (task.task !== 'regression' || target === null) return ys.subarray(0, n)
  const values = ys.slice(0, n)
  if (training && learnScaler) target.observe(values, n)
  return target.transform(values, n)
}

/** The labels as the loss wants them: a column of 0/1 or numbers, or one-hot rows over the classes. */
function labels (ys: Float32Array, n: number, training: boolean): Tensor {
  const values = labelValues(ys, n, training)
  if (task.task === 'multiclass') return tf.tidy(() => tf.oneHot(tf.tensor1d(values, 'int32'), task.outputs))
  return tf.tensor2d(values, [n, 1])
}

/** Standardised predictions back in the label's units. */
function untransformTarget (out: Float32Array): void {
  const { mean, std } = target!.state()
  for (let i = 0; i < out.length; i++) out[i] = out[i] * std[0] + mean[0]
}

/** Applies the scaler (learning from the rows first when training and still learning). */
function prepare (xs: Float32Array, n: number, training: boolean): Float32Array {
  if (n <= 0 || xs.length % n !== 0) throw new Error(`bad batch: ${xs.length} values for ${n} rows`)
  if (!scaler) return xs
  if (training && learnScaler) scaler.observe(xs, n)
  return scaler.transform(xs, n)
}

async function takeSnapshot (m: LayersModel): Promise<ModelSnapshot> {
  let snapshot: ModelSnapshot | null = null
  // Saving the optimizer state makes a scalar of Adam's step count that tfjs never disposes;
  // a scope around the save frees it (requests are serial, so nothing else runs inside it).
  tf.engine().startScope()
  try {
    await save(m, taken => { snapshot = taken })
  } finally {
    tf.engine().endScope()
  }
  return snapshot!
}

async function save (m: LayersModel, done: (snapshot: ModelSnapshot) => void): Promise<void> {
  await m.save(tf.io.withSaveHandler(async artifacts => {
    const data = artifacts.weightData
    const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data]
    const weights = new Uint8Array(buffers.reduce((s, b) => s + b.byteLength, 0))
    let at = 0
    for (const b of buffers) { weights.set(new Uint8Array(b), at); at += b.byteLength }
    done({
      topology: artifacts.modelTopology as object,
      trainingConfig: artifacts.trainingConfig as object | undefined,
      weightSpecs: (artifacts.weightSpecs ?? []) as ModelSnapshot['weightSpecs'],
      weights,
      scaler: scaler && scaler.rows > 0 ? scaler.state() : undefined,
      ...(target !== null && target.rows > 0 ? { target: target.state() } : {})
    })
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
  }), { includeOptimizer: true })
}

function need (): LayersModel {
  if (!model) throw new Error('no model: create or load one first')
  return model
}

function post (event: WorkerEvent): void {
  port!.postMessage(event)
}


export type { ModelSpec }
