// What `evaluate` prints for each task: the line it has always printed for a binary model
// (accuracy, AUC, loss to four places), its multiclass and regression counterparts, a confusion
// matrix with the class names, and the --json line with the same figures.
import type { TaskMetrics } from '../ml/task-metrics.js'

export interface EvaluatedBy {
  /** The version that scored, e.g. "susy@3". */
  model: string
  backend: string
  /** What was scored, e.g. "topic susy-test" or a file's path. */
  source: string
  /** Records left out because they do not decode, per reason (none: every record counted). */
  skipped?: Record<string, number>
}

/** The human-readable result: one line of figures, then (multiclass) the confusion matrix. */
export function formatEvaluation (m: TaskMetrics, by: EvaluatedBy): string {
  const head = `${by.model} on ${m.rows.toLocaleString('en-US')} rows of ${by.source}: `
  const tail = ` (${by.backend})\n`
  switch (m.task) {
    case 'binary': return head + `accuracy ${m.accuracy.toFixed(4)}, AUC ${m.auc.toFixed(4)}, loss ${m.loss.toFixed(4)}` + tail
    case 'multiclass': return head + `accuracy ${m.accuracy.toFixed(4)}, macro-F1 ${m.macroF1.toFixed(4)}, log-loss ${m.loss.toFixed(4)}` + tail + formatConfusion(m.classes, m.confusion)
    case 'regression': return head + `RMSE ${m.rmse.toFixed(4)}, MAE ${m.mae.toFixed(4)}, R² ${m.r2.toFixed(4)}` + tail
  }
}

/** The --json line's object: a binary model's fields are exactly those evaluate has always printed. */
export function evaluationJson (m: TaskMetrics, by: EvaluatedBy): Record<string, unknown> {
  const skipped = by.skipped !== undefined && Object.keys(by.skipped).length > 0 ? { skipped: by.skipped } : {}
  const end = { model: by.model, backend: by.backend, ...skipped }
  switch (m.task) {
    case 'binary': return { rows: m.rows, accuracy: round4(m.accuracy), auc: round4(m.auc), loss: round4(m.loss), ...end }
    case 'multiclass': return { task: 'multiclass', rows: m.rows, accuracy: round4(m.accuracy), macroF1: round4(m.macroF1), loss: round4(m.loss), classes: m.classes, confusion: m.confusion, ...end }
    case 'regression': return { task: 'regression', rows: m.rows, rmse: round4(m.rmse), mae: round4(m.mae), r2: round4(m.r2), ...end }
  }
}

/**
 * confusion[true][predicted] as a table, rows the true class and columns the predicted one:
 *   true \ predicted  bird  fish
 *   bird                 3     1
 */
export function formatConfusion (classes: readonly string[], confusion: readonly number[][]): string {
  const corner = 'true \\ predicted'
  const first = Math.max(corner.length, ...classes.map(c => c.length))
  const widths = classes.map((c, j) => Math.max(c.length, ...confusion.map(row => String(row[j] ?? 0).length)))
  const line = (label: string, cells: string[]): string => '  ' + [label.padEnd(first), ...cells.map((c, j) => c.padStart(widths[j]!))].join('  ').trimEnd() + '\n'
  return line(corner, [...classes]) + classes.map((c, i) => line(c, classes.map((_, j) => String(confusion[i]?.[j] ?? 0)))).join('')
}

/** Four decimal places; null for a figure that is not a number (JSON has no NaN). */
export function round4 (n: number): number | null {
  return Number.isFinite(n) ? Math.round(n * 10000) / 10000 : null
}
