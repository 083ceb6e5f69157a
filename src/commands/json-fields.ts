// The keys each command's --json line carries, in the order it prints them: the --help texts are
// written from these lists, and test/unit/json-help.test.ts checks every key a command emits (for
// each task) is one of them and every one listed is emitted, so help and output cannot drift.
// A field written "key (when ...)" appears only then; the key is the first word.

export const TRAIN_JSON = [
  'epochs', 'bestEpoch', 'stoppedEarly', 'loss', 'accuracy (binary, multiclass)',
  'valLoss (with a hold-out, as every val* figure of the epoch kept)', 'valAccuracy', 'valAuc (binary)', 'valMacroF1 (multiclass)', 'valRmse (regression)', 'valMae', 'valR2',
  'validationRows', 'parent', 'history (per epoch: epoch, loss, accuracy, learningRate, the val* figures)',
  'rowsPerSecond', 'backend ("js": a small model learning in plain JavaScript)', 'model', 'rows', 'wallSeconds', 'busySeconds (the epochs)', 'deadLettered', 'plot'
] as const

export const ONLINE_JSON = [
  'rows (trained this run)', 'batches', 'versions', 'prequentialAccuracy', 'prequentialLoss', 'prequentialAuc',
  'prequentialMacroF1 (multiclass)', 'prequentialRmse (regression)', 'prequentialMae (regression)', 'prequentialR2 (regression)',
  'prequentialLossFirstQuarter', 'prequentialLossLastQuarter',
  'startPrequentialLoss (with --compare-start)', 'startLossFirstQuarter (with --compare-start)', 'startLossLastQuarter (with --compare-start)',
  'driftDetections (this run\'s: row, partition, offset)', 'prequentialWindows (with --window: size, lastRows, accuracy[], loss[])',
  'model', 'resumedFrom', 'deadLettered', 'backend ("js": a small model learning in plain JavaScript)', 'step (rows scored, then fitted, at a time)', 'fastStart (ROWS,STEP,FACTOR of a new model\'s fast start; "0": none)', 'drift (DETECTOR,ACTION used, e.g. "cusum,refit"; "off")', 'wallSeconds', 'busySeconds', 'rowsPerSecond', 'plot'
] as const

export const EVALUATE_JSON = [
  'task (multiclass, regression)', 'rows', 'accuracy (binary, multiclass)', 'auc (binary)', 'macroF1 (multiclass)', 'loss (binary, multiclass)',
  'classes (multiclass)', 'confusion (multiclass, [true][predicted])', 'rmse (regression)', 'mae (regression)', 'r2 (regression)',
  'model', 'backend', 'skipped (records that do not decode, per reason, when any)'
] as const

export const SCORE_JSON = [
  'records', 'batches', 'transactions', 'aborted', 'wallSeconds', 'busySeconds (time with a batch in hand)', 'recordsPerSecond (over busySeconds)',
  'model', 'predictions', 'deadLettered', 'backend'
] as const

/** The --json option's help: `intro`, then the fields. */
export function jsonHelp (intro: string, fields: readonly string[]): string {
  return `${intro}: ${fields.join(', ')}`
}

/** The bare keys of a field list. */
export function jsonKeys (fields: readonly string[]): string[] {
  return fields.map(f => f.split(' ')[0]!)
}
