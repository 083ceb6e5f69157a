// What `streamfit init` decides from a sample of rows: each column's type (or why it is left
// out), the id, the label and the task. Pure: the sample comes in, a spec and the reasons go out.
//
// The rules (docs/topics.md and the README's "Your own topic" describe them):
// - numeric: every value present is a finite number (a JSON number; in CSV, text Number() reads);
// - boolean: every value present is true/false, yes/no or t/f (any case; JSON true/false);
// - categorical: text (or a mix) with at most MAX_CATEGORIES distinct values, and at most
//   MAX_CATEGORY_SHARE of the rows that have a value: each value seen twice on average, so a
//   column of names or codes is not taken for a category;
// - otherwise the column is left out: all-distinct values are an identifier, the rest free text;
// - id: the first column named id, ID, …_id or …Id whose values are all present and distinct;
// - any value missing in the sample: onMissing impute (numeric: the train mean; boolean: false;
//   categorical: no category, an all-zero row), said in the decision;
// - label: --label, else a column named label, target, class or y (any case), else the last;
// - task: 2 distinct labels -> binary (numbers ascending, false/no/f before true/yes/t, text
//   sorted); integers or text with at most MAX_CATEGORIES values -> multiclass (numbers
//   ascending, text sorted); other numbers -> regression; anything else is refused.
import { UsageError } from '../errors.js'
import { booleanText, isNumberText } from '../data/value-text.js'
import { defaultDropout, TRAIN_MODEL } from './model.js'
import type { CategoricalFeature, DatasetSpec, FeatureSpec, FieldSource, RecordFormat, TaskSpec } from './types.js'

export const MAX_CATEGORIES = 50
export const MAX_CATEGORY_SHARE = 0.5

/** A value as sampled: text (CSV, JSON strings), a JSON number or boolean, null when missing. */
export type Cell = string | number | boolean | null

export interface SampledColumn {
  /** The CSV column name or the JSON field path. */
  name: string
  cells: Cell[]
  /** A JSON field that held arrays or objects where a value was expected. */
  nested?: boolean
}

export interface Sample {
  format: RecordFormat
  /** Whether a CSV file's first line named the columns. */
  header: boolean
  rows: number
  columns: SampledColumn[]
}

export type ColumnRole = 'feature' | 'id' | 'label' | 'dropped'

export interface ColumnDecision {
  column: string
  role: ColumnRole
  type?: FeatureSpec['type']
  /** Categories (categorical) or classes (label). */
  values?: number
  missing: number
  reason: string
}

export interface TaskDecision {
  type: TaskSpec['type']
  classes?: string[]
  reason: string
}

export interface Inference {
  spec: DatasetSpec
  columns: ColumnDecision[]
  task: TaskDecision
}

export interface InferOptions {
  name: string
  /** The label column or field; by default one named label/target/class/y, else the last. */
  label?: string
}

const LABEL_NAMES = ['label', 'target', 'class', 'y']

export function inferSpec (sample: Sample, { name, label }: InferOptions): Inference {
  if (sample.rows === 0 || sample.columns.length === 0) throw new UsageError('the data holds no rows to learn the columns from')
  const { column: labelColumn, why } = chooseLabel(sample.columns, label)
  const task = inferTask(labelColumn)
  const features: FeatureSpec[] = []
  const decisions: ColumnDecision[] = []
  let id: FieldSource | undefined
  for (const column of sample.columns) {
    if (column === labelColumn) {
      decisions.push({ column: column.name, role: 'label', missing: missingOf(column), values: task.classes?.length, reason: `${why}; task ${task.type}` })
      continue
    }
    if (id === undefined && isIdColumn(column)) {
      id = sourceOf(sample.format, column.name)
      decisions.push({ column: column.name, role: 'id', missing: 0, reason: `named like an id, all ${column.cells.length} values distinct: carried into each prediction as "id"` })
      continue
    }
    const decision = typeColumn(column, sample.format.type === 'json')
    decisions.push(decision)
    if (decision.role === 'feature') features.push(featureOf(sample.format, column, decision))
  }
  if (features.length === 0) throw new UsageError(`no column of the data can be a feature (${decisions.filter(d => d.role === 'dropped').map(d => `${d.column}: ${d.reason}`).join('; ')})`)
  const topic = (suffix: string, partitions: number): { name: string, partitions: number } => ({ name: `${name}-${suffix}`, partitions })
  const taskSpec: TaskSpec = task.type === 'binary'
    ? { type: 'binary', classes: task.classes as [string, string] }
    : task.type === 'multiclass' ? { type: 'multiclass', classes: task.classes } : { type: 'regression' }
  const spec: DatasetSpec = {
    name,
    topics: { train: topic('train', 1), test: topic('test', 2), predictions: topic('predictions', 2), deadLetters: topic('dlq', 1) },
    format: sample.format,
    label: sourceOf(sample.format, labelColumn.name),
    ...(id !== undefined ? { id } : {}),
    features,
    task: taskSpec,
    // What train will use, written out so the file shows (and the user edits) the real model.
    model: { type: 'mlp', hidden: [...TRAIN_MODEL.hidden], dropout: defaultDropout(TRAIN_MODEL.hidden.length), learningRate: TRAIN_MODEL.learningRate, epochs: TRAIN_MODEL.epochs, batchSize: TRAIN_MODEL.batchSize }
  }
  return { spec, columns: decisions, task }
}

function chooseLabel (columns: SampledColumn[], label: string | undefined): { column: SampledColumn, why: string } {
  if (label !== undefined) {
    const found = columns.find(c => c.name === label)
    if (found === undefined) throw new UsageError(`--label ${label}: no such column; the columns are ${columns.map(c => c.name).join(', ')}`)
    return { column: found, why: 'named by --label' }
  }
  const named = columns.find(c => LABEL_NAMES.includes(c.name.toLowerCase()))
  if (named !== undefined) return { column: named, why: `named ${named.name}` }
  return { column: columns[columns.length - 1]!, why: 'the last column (no column named label, target, class or y; --label picks another)' }
}

function sourceOf (format: RecordFormat, name: string): FieldSource {
  return format.type === 'csv' ? { column: name } : { field: name }
}

function missingOf (column: SampledColumn): number {
  return column.cells.reduce<number>((n, c) => c === null ? n + 1 : n, 0)
}

function present (column: SampledColumn): Array<string | number | boolean> {
  return column.cells.filter((c): c is string | number | boolean => c !== null)
}

function isIdName (name: string): boolean {
  return /^id$/i.test(name) || /[_\-. ]id$/i.test(name) || /[a-z0-9](Id|ID)$/.test(name)
}

function isIdColumn (column: SampledColumn): boolean {
  if (!isIdName(column.name) || column.nested === true || missingOf(column) > 0) return false
  return new Set(column.cells.map(String)).size === column.cells.length
}

function isNumberCell (c: string | number | boolean): boolean {
  return typeof c === 'number' ? Number.isFinite(c) : typeof c === 'string' && isNumberText(c)
}

function booleanCell (c: string | number | boolean): boolean | undefined {
  return typeof c === 'boolean' ? c : typeof c === 'string' ? booleanText(c) : undefined
}

function typeColumn (column: SampledColumn, json: boolean): ColumnDecision {
  const missing = missingOf(column)
  const base = { column: column.name, missing }
  const values = present(column)
  const imputed = (what: string): string => missing > 0 ? `; ${missing} missing in the sample: impute ${what}` : ''
  if (column.nested === true) return { ...base, role: 'dropped', reason: 'holds arrays or objects, not one value' }
  if (values.length === 0) return { ...base, role: 'dropped', reason: 'no value in the sample' }
  // A JSON string that reads as a number is still text to a JSON decoder: only JSON numbers count.
  if (values.every(v => json ? typeof v === 'number' && Number.isFinite(v) : typeof v === 'string' && isNumberText(v))) {
    return { ...base, role: 'feature', type: 'numeric', reason: `every value a number${imputed('the train mean')}` }
  }
  if (values.every(v => booleanCell(v) !== undefined)) {
    return { ...base, role: 'feature', type: 'boolean', reason: `every value true/false, yes/no or t/f${imputed('false')}` }
  }
  const distinct = new Set(values.map(String)).size
  if (distinct <= MAX_CATEGORIES && distinct <= values.length * MAX_CATEGORY_SHARE) {
    return { ...base, role: 'feature', type: 'categorical', values: distinct, reason: `${distinct} distinct values in ${values.length} rows${imputed('no category')}` }
  }
  if (distinct === values.length) return { ...base, role: 'dropped', reason: `all ${distinct} values distinct: an identifier` }
  return { ...base, role: 'dropped', reason: `${distinct} distinct values in ${values.length} rows: free text or too many categories (at most ${MAX_CATEGORIES}, and at most ${MAX_CATEGORY_SHARE * 100}% of the rows)` }
}

function featureOf (format: RecordFormat, column: SampledColumn, decision: ColumnDecision): FeatureSpec {
  const from = sourceOf(format, column.name)
  const onMissing = decision.missing > 0 ? 'impute' as const : 'dead-letter' as const
  if (decision.type === 'numeric') return { name: column.name, type: 'numeric', from, onMissing, ...(onMissing === 'impute' ? { impute: 'mean' as const } : {}) }
  if (decision.type === 'boolean') return { name: column.name, type: 'boolean', from, onMissing, ...(onMissing === 'impute' ? { impute: false } : {}) }
  const vocabulary = [...new Set(present(column).map(String))].sort(codePointOrder)
  // The vocabulary comes from a sample, which may miss rare values: they count as "other".
  const feature: CategoricalFeature = { name: column.name, type: 'categorical', from, onMissing, vocabulary, onUnknown: 'other' }
  return feature
}

function codePointOrder (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The task the label's values call for, its classes in order, and why. */
export function inferTask (column: SampledColumn): TaskDecision {
  const values = present(column)
  const missing = column.cells.length - values.length
  const note = missing > 0 ? `; ${missing} rows without a label in the sample (load writes them; the stream's decoder dead-letters them)` : ''
  if (column.nested === true) throw new UsageError(`the label ${column.name} holds arrays or objects; choose another with --label`)
  if (values.length === 0) throw new UsageError(`the label ${column.name} has no value in the sample; choose another with --label`)
  const numeric = values.every(isNumberCell)
  // Distinct labels, numbers by value ("1" and "1.0" are one class), each spelt as first seen.
  const spelling = new Map<string, string>()
  for (const v of values) {
    const text = String(v).trim()
    const canonical = numeric ? String(Number(text)) : typeof v === 'boolean' ? String(v) : text
    if (!spelling.has(canonical)) spelling.set(canonical, text)
  }
  const distinct = [...spelling.keys()]
  if (distinct.length < 2) throw new UsageError(`the label ${column.name} has one value (${JSON.stringify(spelling.values().next().value)}) in the sample; choose another with --label, or sample more rows with --sample`)
  const spelt = (keys: string[]): string[] => keys.map(k => spelling.get(k)!)
  if (distinct.length === 2) {
    const booleans = distinct.map(d => booleanText(d) ?? (/^[yn]$/i.test(d) ? /^y$/i.test(d) : undefined))
    let ordered: string[]
    let why: string
    if (numeric) { ordered = [...distinct].sort((a, b) => Number(a) - Number(b)); why = 'the smaller number first' } else if (booleans[0] !== undefined && booleans[1] !== undefined && booleans[0] !== booleans[1]) {
      ordered = booleans[0] ? [distinct[1]!, distinct[0]!] : distinct; why = 'the negative first'
    } else { ordered = [...distinct].sort(codePointOrder); why = 'in text order' }
    const classes = spelt(ordered)
    return { type: 'binary', classes, reason: `binary: 2 distinct labels, classes ${classes.join(', ')} (${why})${note}` }
  }
  if (numeric) {
    const integers = distinct.every(d => Number.isInteger(Number(d)))
    if (integers && distinct.length <= MAX_CATEGORIES) {
      const classes = spelt([...distinct].sort((a, b) => Number(a) - Number(b)))
      return { type: 'multiclass', classes, reason: `multiclass: ${classes.length} distinct integer labels (at most ${MAX_CATEGORIES}): ${preview(classes)}${note}` }
    }
    return { type: 'regression', reason: `regression: numeric labels, ${integers ? `${distinct.length} distinct integers (more than ${MAX_CATEGORIES})` : `${distinct.length} distinct values, not all integers`}${note}` }
  }
  if (distinct.length <= MAX_CATEGORIES) {
    const classes = spelt([...distinct].sort(codePointOrder))
    return { type: 'multiclass', classes, reason: `multiclass: ${classes.length} distinct text labels (at most ${MAX_CATEGORIES}): ${preview(classes)}${note}` }
  }
  throw new UsageError(`the label ${column.name} has ${distinct.length} distinct texts: not numbers (regression) and more than ${MAX_CATEGORIES} classes; choose another with --label`)
}

function preview (classes: string[]): string {
  return classes.length <= 8 ? classes.join(', ') : `${classes.slice(0, 8).join(', ')}, …`
}
