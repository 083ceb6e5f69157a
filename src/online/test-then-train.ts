// Prequential learning of one mini-batch in steps: each step of rows is scored by the model as it
// is, shown to the drift watch, then fitted. A poll of 256 rows scored at once leaves a new or
// drifting model 256 rows behind the stream; in steps, every row after the first step is scored
// by a model that has learnt the rows before it (River learns row by row). The gradient steps are
// the same either way (epochs × rows / batch size); only the order of scoring and fitting changes.
import type { ArrayBatch } from '../operators/to-arrays.js'
import type { ModelRunner } from '../ml/runner.js'

/** How {@link testThenTrain} cuts and fits a mini-batch. */
export interface StepOptions {
  /** Rows in the step that begins at row `from` of the mini-batch; 0 scores the whole mini-batch, then fits it. */
  step: (from: number) => number
  /** Rows per gradient step within a step's fit. */
  batchSize: number
  /** Epochs for the next step's fit, asked before each (a drift detected in a step can change it). */
  epochs: () => number
  /** Factor on the learning rate for the fit of the step that begins at `from` (default 1: a new model's fast start raises it). */
  rateFactor?: (from: number) => number
  /** The rows to fit for a step, given its own (default: those; a drift's refit adds the rows since it). */
  fitRows?: (x: Float32Array, y: Float32Array, m: number, features: number) => { x: Float32Array, y: Float32Array, m: number }
}

/** Called with each step's outputs before it is fitted: the drift watch. `from` is its first row in the mini-batch. */
export type BeforeFit = (outputs: Float32Array, labels: Float32Array, rows: number, examples: ArrayBatch['examples'], from: number) => Promise<void>

/** Scores, watches and fits `batch` step by step; returns every row's outputs in order and the last fit's loss. */
export async function testThenTrain (model: ModelRunner, batch: ArrayBatch, options: StepOptions, beforeFit: BeforeFit): Promise<{ outputs: Float32Array, trainLoss: number }> {
  const { xs, ys, n, features, examples } = batch
  let outputs = new Float32Array(0)
  let trainLoss = NaN
  for (let from = 0, m = 0; from < n; from += m) {
    const step = options.step(from)
    m = step > 0 ? Math.min(step, n - from) : n - from
    const x = xs.subarray(from * features, (from + m) * features)
    const y = ys.subarray(from, from + m)
    const p = await model.predict(x, m)
    const units = p.length / m
    if (from === 0) outputs = new Float32Array(n * units)
    outputs.set(p, from * units)
    await beforeFit(p, y, m, examples.slice(from, from + m), from)
    const rateFactor = options.rateFactor?.(from) ?? 1
    const rows = options.fitRows?.(x, y, m, features) ?? { x, y, m }
    const fit = await model.fit(rows.x, rows.y, rows.m, { epochs: options.epochs(), batchSize: options.batchSize, shuffle: true, ...(rateFactor !== 1 ? { rateFactor } : {}) })
    trainLoss = fit.loss[fit.loss.length - 1]
  }
  return { outputs, trainLoss }
}
