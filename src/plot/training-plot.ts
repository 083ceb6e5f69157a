// The training curve: loss and accuracy per epoch (and on the held-out slice when there is one).
import type { EpochProgress } from '../ml/epoch-meter.js'
import { writeLineChart, type Series } from './line-chart.js'

/** An epoch's figures as the training plot shows them: training, and validation when held out. */
export interface EpochFigures extends Pick<EpochProgress, 'epoch' | 'loss' | 'accuracy'> {
  validationLoss?: number
  validationAccuracy?: number
  validationAuc?: number
}

/**
 * Writes the loss and accuracy (and validation AUC) curves of a training run as an SVG chart at
 * `path`; returns the path.
 */
export async function writeTrainingPlot (path: string, epochs: EpochFigures[], title: string): Promise<string> {
  const series = (name: string, pick: (e: EpochFigures) => number | undefined, domain?: [number, number]): Series => ({
    name,
    domain,
    points: epochs.flatMap(e => { const y = pick(e); return y === undefined || !Number.isFinite(y) ? [] : [{ x: e.epoch, y }] })
  })
  const withValidation = epochs.some(e => e.validationLoss !== undefined)
  return writeLineChart(path, {
    title,
    xLabel: 'epoch',
    panels: [
      withValidation ? [series('loss', e => e.loss), series('validation loss', e => e.validationLoss)] : series('loss', e => e.loss),
      withValidation
        ? [series('accuracy', e => e.accuracy), series('validation accuracy', e => e.validationAccuracy), series('validation AUC', e => e.validationAuc)]
        : series('accuracy', e => e.accuracy)
    ]
  })
}
