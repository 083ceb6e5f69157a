// A model's held-out figures from what `streamfit score` wrote: the prediction records of one
// model version, read back from the predictions topic, each compared with the label it carries.
// Records without a label have no truth: they are left out, as baseline.py leaves them out.
import { evaluateTask, type TaskMetrics } from '../../src/ml/task-metrics.js'
import type { TaskSpec } from '../../src/spec/types.js'

export interface Prediction {
  source: { topic: string, partition: number, offset: number }
  model: string
  label: unknown
  score?: number
  predicted?: number
  class?: string
  probabilities?: Record<string, number>
  value?: number
}

export interface HeldOut {
  figures: TaskMetrics
  /** Predictions of the version (one per test record scored). */
  predictions: number
  /** Of those, without a label (not scored). */
  unlabelled: number
}

/** The predictions of `model`, one per source record (a record scored twice counts once). */
export function predictionsOf (values: string[], model: string): Prediction[] {
  const bySource = new Map<string, Prediction>()
  for (const value of values) {
    const p = JSON.parse(value) as Prediction
    if (p.model === model) bySource.set(`${p.source.topic}/${p.source.partition}/${p.source.offset}`, p)
  }
  return [...bySource.values()]
}

export function heldOut (task: TaskSpec, predictions: Prediction[]): HeldOut {
  const labelled = predictions.filter(p => p.label !== null && p.label !== undefined && p.label !== '')
  const n = labelled.length
  const labels = new Float64Array(n)
  let outputs: Float32Array
  let agree = 0 // the prediction's own verdict (predicted / class), to cross-check the figures
  if (task.type === 'multiclass') {
    const classes = task.classes ?? Object.keys(labelled[0]?.probabilities ?? {})
    outputs = new Float32Array(n * classes.length)
    labelled.forEach((p, i) => {
      const at = classes.indexOf(String(p.label))
      if (at < 0) throw new Error(`label ${String(p.label)} is not one of the classes ${classes.join(', ')}`)
      labels[i] = at
      classes.forEach((c, j) => { outputs[i * classes.length + j] = p.probabilities![c]! })
      if (p.class === String(p.label)) agree++
    })
    const figures = evaluateTask({ type: 'multiclass', classes }, outputs, labels, n)
    check(figures.task === 'multiclass' && Math.abs(figures.accuracy - agree / n) < 1e-9, `accuracy from probabilities ${figures.task === 'multiclass' ? figures.accuracy : NaN} vs from classes ${agree / n}`)
    return { figures, predictions: predictions.length, unlabelled: predictions.length - n }
  }
  outputs = new Float32Array(n)
  if (task.type === 'binary') {
    labelled.forEach((p, i) => {
      const at = task.classes.findIndex(c => c === String(p.label) || Number(c) === Number(p.label))
      if (at < 0) throw new Error(`label ${String(p.label)} is not one of the classes ${task.classes.join(', ')}`)
      labels[i] = at
      outputs[i] = p.score!
      if (p.predicted === at) agree++
    })
    const figures = evaluateTask(task, outputs, labels, n)
    check(figures.task === 'binary' && Math.abs(figures.accuracy - agree / n) < 1e-9, `accuracy from scores vs from predicted: ${agree / n}`)
    return { figures, predictions: predictions.length, unlabelled: predictions.length - n }
  }
  labelled.forEach((p, i) => { labels[i] = Number(p.label); outputs[i] = p.value! })
  return { figures: evaluateTask(task, outputs, labels, n), predictions: predictions.length, unlabelled: predictions.length - n }
}

function check (ok: boolean, what: string): void {
  if (!ok) throw new Error(`inconsistent predictions: ${what}`)
}
