// The worker's `fit`: K epochs over n rows held in memory, in mini-batches.
import type { LayersModel, Scalar, Tensor } from '@tensorflow/tfjs'
import type { TF } from './backend.js'
import type { FitOptions, FitResult } from './protocol.js'

/** Fits `epochs` passes over the rows; per-epoch loss and accuracy (NaN where not measured, see below). */
export async function fitRows (tf: TF, m: LayersModel, x: Tensor | Tensor[], y: Tensor, n: number, options: FitOptions): Promise<FitResult> {
  const epochs = options.epochs ?? 1
  const batchSize = options.batchSize ?? 32
  // Rows that make one batch: each epoch is one optimizer step on all of them (their order within
  // the batch does not change its gradient), so a direct step does what fit would without fit's
  // per-epoch callbacks, shuffling and slicing (the online learner's steps of 4 to 32 rows).
  const compiled = internals(m)
  if (n <= batchSize && compiled.lossFunctions.length === 1) {
    const loss: number[] = []
    for (let e = 0; e < epochs; e++) loss.push(gradientStep(tf, m, compiled, x, y))
    return { loss, accuracy: loss.map(() => NaN) }
  }
  // More rows than a batch (a drift's refit window): the same steps, batch by batch, in the order
  // tfjs' fit would take them (its shuffle of one index array, epoch after epoch), at about half
  // the cost of fit's callbacks and per-batch metrics.
  if (compiled.lossFunctions.length === 1 && !Array.isArray(x) && options.shuffle !== false) {
    const order = Array.from({ length: n }, (_, i) => i)
    const loss: number[] = []
    for (let e = 0; e < epochs; e++) {
      tf.util.shuffle(order)
      let sum = 0
      for (let start = 0; start < n; start += batchSize) {
        const ids = order.slice(start, start + batchSize)
        const [bx, by] = tf.tidy(() => { const i = tf.tensor1d(ids, 'int32'); return [tf.gather(x, i), tf.gather(y, i)] })
        try {
          sum += gradientStep(tf, m, compiled, bx, by) * ids.length
        } finally {
          tf.dispose([bx, by])
        }
      }
      loss.push(sum / n)
    }
    return { loss, accuracy: loss.map(() => NaN) }
  }
  const history = await m.fit(x, y, { epochs, batchSize, shuffle: options.shuffle ?? true, verbose: 0 })
  const h = history.history
  return { loss: h.loss as number[], accuracy: (h.acc ?? h.accuracy ?? h.loss.map(() => NaN)) as number[] }
}

/** What tfjs-layers keeps of a compiled model, used by its own training step. */
interface Compiled {
  lossFunctions: Array<(yTrue: Tensor, yPred: Tensor) => Tensor>
  calculateLosses: () => Scalar[]
  collectedTrainableWeights: Array<{ read: () => Tensor }>
}

/** A Sequential model compiles the LayersModel it wraps (`model`); a functional one is its own. */
function internals (m: LayersModel): Compiled {
  return ((m as unknown as { model?: LayersModel }).model ?? m) as unknown as Compiled
}

/**
 * One optimizer step on the rows, with the loss trainOnBatch minimises (the compiled loss's mean
 * plus the layers' regularisation penalties), its value read synchronously. trainOnBatch also
 * computes the compiled metrics and reads its results asynchronously: for a small model that is
 * about a third of the step (1.9–2.7 against 1.3–1.6 ms, a 9-32-1 MLP on WASM). Online learning
 * only wants the loss.
 */
function gradientStep (tf: TF, m: LayersModel, compiled: Compiled, x: Tensor | Tensor[], y: Tensor): number {
  const cost = m.optimizer.minimize(() => {
    const outputs = m.apply(x, { training: true }) as Tensor
    let loss = tf.mean(compiled.lossFunctions[0](y, outputs))
    for (const penalty of compiled.calculateLosses()) loss = tf.add(loss, penalty)
    return loss as Scalar
  }, true, compiled.collectedTrainableWeights.map(w => w.read()) as never)
  if (cost === null) throw new Error('the optimizer returned no loss')
  try {
    return cost.dataSync()[0]
  } finally {
    cost.dispose()
  }
}
