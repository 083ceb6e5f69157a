// What a finished training run becomes: the epoch it keeps, its history, the version saved to the
// registry (the train topology's sink) and the plot of its curves.
import { UsageError } from '../src/errors.js'
import { writeTrainingPlot } from '../src/plot/training-plot.js'
import type { ModelRegistry } from '../src/registry/registry.js'
import type { VersionInfo } from '../src/registry/version.js'
import type { TaskMetrics } from '../src/ml/task-metrics.js'
import { prefixedFigures } from '../src/ml/validation-figures.js'
import type { TrainEpoch, TrainResult, TrainSettings } from './train.js'

/** How a finished run came about, stored with its version so it can be reproduced. */
export interface TrainRun extends TrainSettings {
  seed: number
  /** The version continued (--from), or null for a new model. */
  parent: string | null
  holdoutSeed: number
}

/** The epoch whose weights the model holds (the best one after early stopping). */
export function keptEpoch (result: TrainResult): TrainEpoch {
  const last = result.epochs.at(-1)
  if (last === undefined) {
    throw new UsageError(result.rows === 0 && !result.interrupted
      ? 'the train topic holds no records: load data first (streamfit load)'
      : 'stopped before the first epoch ended: nothing saved')
  }
  return result.epochs.find(e => e.epoch === result.bestEpoch) ?? last
}

/** Each epoch's figures, rounded, as stored and printed. */
export function trainHistory (result: TrainResult): Array<Record<string, number>> {
  return result.epochs.map(e => ({
    epoch: e.epoch, loss: round4(e.loss), accuracy: round4(e.accuracy), learningRate: e.learningRate,
    ...(e.validation !== undefined ? prefixedFigures('val', e.validation, round4) : {})
  }))
}

/** The topology's sink: the model, its figures and the offsets it consumed, as a new version. */
export async function saveTrained (registry: ModelRegistry, result: TrainResult, run: TrainRun): Promise<VersionInfo> {
  const kept = keptEpoch(result)
  const val = kept.validation
  const { runner } = result
  const saved = await registry.save({
    name: run.model,
    snapshot: await runner.snapshot(),
    backend: runner.compute,
    rows: result.rows,
    epochs: result.epochs.length,
    metrics: {
      loss: kept.loss, accuracy: kept.accuracy, rowsPerSecond: result.rowsPerSecond, seconds: result.seconds,
      ...(val !== undefined ? prefixedFigures('val', val) : {})
    },
    offsets: result.offsets,
    // Named fields only: nothing of the Kafka config, whose secrets must not be stored.
    info: {
      trainer: 'train', parent: run.parent, topic: Object.keys(result.offsets)[0], batchSize: run.batchSize, shuffleBuffer: run.shuffleBuffer, standardize: run.standardize, cache: run.cache, seed: run.seed,
      validation: { fraction: run.validationFraction, seed: run.holdoutSeed, rows: result.validationRows },
      patience: run.patience, reduceLrPatience: run.reduceLrPatience, dropout: run.from === undefined ? run.dropout : null, weightAverage: run.weightAverage, bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly,
      deadLettered: result.deadLettered, interrupted: result.interrupted, history: trainHistory(result)
    }
  })
  runner.version = saved.ref
  return saved
}

/** The loss and accuracy curves of the run saved as `model`, written to `path`. */
export async function plotTraining (path: string, result: TrainResult, model: string, run: TrainRun): Promise<string> {
  return await writeTrainingPlot(
    path,
    result.epochs.map(e => ({ epoch: e.epoch, loss: e.loss, accuracy: e.accuracy, ...plotValidation(e.validation) })),
    `streamfit train: ${model}${run.parent !== null ? ` (from ${run.parent})` : ''}, ${result.rows.toLocaleString('en-US')} rows, batch ${run.batchSize}, ${result.runner.compute}`
  )
}

/** The validation curves a plot has room for: loss and accuracy, and AUC for a binary model. */
function plotValidation (v: TaskMetrics | undefined): { validationLoss?: number, validationAccuracy?: number, validationAuc?: number } {
  if (v === undefined) return {}
  if (v.task === 'regression') return { validationLoss: v.rmse }
  return { validationLoss: v.loss, validationAccuracy: v.accuracy, ...(v.task === 'binary' ? { validationAuc: v.auc } : {}) }
}

function round4 (n: number): number {
  return Math.round(n * 10000) / 10000
}
