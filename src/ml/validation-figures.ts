// A task's held-out figures in the order and under the names train has always shown for SUSY
// (loss, accuracy, AUC), and their counterparts for the other tasks: what `train` prints, its
// --json line and history, and the registry's metrics use.
import type { TaskMetrics } from './task-metrics.js'

export interface Figure {
  /** camelCase key: loss, accuracy, auc, macroF1, rmse, mae, r2. */
  key: string
  /** How people read it: loss, accuracy, AUC, macro-F1, RMSE, MAE, R². */
  label: string
  value: number
}

/** The figures of `m`, in display order. */
export function validationFigures (m: TaskMetrics): Figure[] {
  switch (m.task) {
    case 'binary': return [{ key: 'loss', label: 'loss', value: m.loss }, { key: 'accuracy', label: 'accuracy', value: m.accuracy }, { key: 'auc', label: 'AUC', value: m.auc }]
    case 'multiclass': return [{ key: 'loss', label: 'loss', value: m.loss }, { key: 'accuracy', label: 'accuracy', value: m.accuracy }, { key: 'macroF1', label: 'macro-F1', value: m.macroF1 }]
    case 'regression': return [{ key: 'rmse', label: 'RMSE', value: m.rmse }, { key: 'mae', label: 'MAE', value: m.mae }, { key: 'r2', label: 'R²', value: m.r2 }]
  }
}

/** { valLoss: …, valAccuracy: …, valAuc: … } (binary), each value passed through `round`. */
export function prefixedFigures (prefix: string, m: TaskMetrics, round: (n: number) => number = n => n): Record<string, number> {
  return Object.fromEntries(validationFigures(m).map(f => [prefix + f.key[0]!.toUpperCase() + f.key.slice(1), round(f.value)]))
}

/** Keras' way: "val_loss: 0.4512 - val_accuracy: 0.7990 - val_auc: 0.8676" with `sep` between. */
export function kerasFigures (m: TaskMetrics, sep: string): string {
  return validationFigures(m).map(f => `val_${f.key.replace(/[A-Z]/g, c => '_' + c.toLowerCase())}: ${f.value.toFixed(4)}`).join(sep)
}
