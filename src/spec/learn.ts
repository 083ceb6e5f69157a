// Learns what a spec leaves to the train topic: the vocabulary of each categorical feature that
// has none, the classes of a multiclass task that lists none, and the mean of every numeric
// feature (for `impute: mean`). One pass over the train records before training; the resolved
// spec is what the model is stored with, so a scorer decodes exactly as its trainer did.
import { CsvSplitter, BAD_CSV } from '../codec/csv-fields.js'
import { categoryOf, parseNumberText } from '../codec/feature-encoder.js'
import { compilePath, parseObject, type PathReader } from '../codec/json-fields.js'
import { NUMBER_OK, parsedNumber } from '../codec/susy-csv.js'
import { UsageError } from '../errors.js'
import type { ConsumedRecord } from '../record.js'
import type { DatasetSpec, FieldSource, ResolvedFeature, ResolvedSpec } from './types.js'

/** Settings of {@link SpecLearner}. */
export interface LearnOptions {
  /** Most distinct values a learnt vocabulary (or class list) may have (default 1000). */
  maxValues?: number
}

const DEFAULTS = { maxValues: 1000 }

// Reads one source's raw value from a record: a string (CSV, key) or a JSON value; undefined when absent or empty.
type Read = (record: ConsumedRecord) => unknown

/**
 * Learns what a spec leaves to the train topic (vocabularies, classes, numeric means for imputing) in
 * one pass over the train records, before training.
 */
export class SpecLearner {
  private readonly maxValues: number
  private readonly reads: Read[] // per feature
  private readonly label: Read
  private readonly vocabularies: Array<Set<string> | null> // per feature: null when not learnt
  private readonly classes: Set<string> | null
  private readonly sums: Float64Array
  private readonly counts: Float64Array
  private readonly parse: (record: ConsumedRecord) => boolean
  /** Records seen, and those whose value did not parse (the decoder will dead-letter them). */
  observed = 0
  unreadable = 0

  constructor (private readonly spec: DatasetSpec, options: LearnOptions = {}) {
    this.maxValues = { ...DEFAULTS, ...options }.maxValues
    const value = spec.format.type === 'csv' ? csvValues(spec.format.delimiter, spec.format.quote, spec.format.columns) : jsonValues()
    const reader = (from: FieldSource): Read => {
      if ('key' in from) return record => record.key === null || record.key.length === 0 ? undefined : record.key.toString('utf8').trim()
      return value.reader(from)
    }
    this.reads = spec.features.map(f => reader(f.from))
    this.label = reader(spec.label)
    this.vocabularies = spec.features.map(f => f.type === 'categorical' && f.vocabulary === undefined ? new Set() : null)
    this.classes = spec.task.type === 'multiclass' && spec.task.classes === undefined ? new Set() : null
    this.sums = new Float64Array(spec.features.length)
    this.counts = new Float64Array(spec.features.length)
    this.parse = value.parse
  }

  /** Takes one train record into account. Throws a UsageError when a vocabulary grows past the cap. */
  observe (record: ConsumedRecord): void {
    this.observed++
    if (!this.parse(record)) { this.unreadable++; return }
    this.spec.features.forEach((f, i) => {
      const value = this.reads[i](record)
      if (value === undefined || value === null || value === '') return
      if (f.type === 'numeric') {
        const n = typeof value === 'number' ? value : typeof value === 'string' && parseNumberText(value) === NUMBER_OK ? parsedNumber() : NaN
        if (Number.isFinite(Math.fround(n))) { this.sums[i] += n; this.counts[i]++ }
        return
      }
      const vocabulary = this.vocabularies[i]
      const text = categoryOf(value)
      if (vocabulary === null || text === null) return
      vocabulary.add(text)
      if (vocabulary.size > this.maxValues) {
        throw new UsageError(`features[${i}] "${f.name}": more than ${this.maxValues} distinct values in the train topic; list the ones to learn as its vocabulary in the spec (with onUnknown: other for the rest), or make it numeric`)
      }
    })
    if (this.classes !== null) {
      const text = classText(this.label(record))
      if (text === null) return
      this.classes.add(text)
      if (this.classes.size > this.maxValues) {
        throw new UsageError(`task: more than ${this.maxValues} distinct labels in the train topic; is the label a number to predict (task: regression)? Otherwise list task.classes`)
      }
    }
  }

  /** The spec with every vocabulary and class list known. Throws a UsageError when one is still empty. */
  resolve (): ResolvedSpec {
    const features = this.spec.features.map((f, i): ResolvedFeature => {
      const learnt = this.vocabularies[i]
      if (f.type !== 'categorical' || learnt === null) return f as ResolvedFeature
      if (learnt.size === 0) throw new UsageError(`features[${i}] "${f.name}": no values in the ${this.observed} train records read, so no vocabulary; check its ${describe(f.from)}, or list its vocabulary`)
      return { ...f, vocabulary: sortValues([...learnt]) }
    })
    const task = this.spec.task
    if (task.type !== 'multiclass' || this.classes === null) return { ...this.spec, features, task: task as ResolvedSpec['task'] }
    if (this.classes.size < 2) throw new UsageError(`task: ${this.classes.size} distinct label${this.classes.size === 1 ? '' : 's'} in the ${this.observed} train records read; a multiclass task needs at least 2 (check the label's ${describe(this.spec.label)}, or list task.classes)`)
    return { ...this.spec, features, task: { ...task, classes: sortValues([...this.classes]) } }
  }

  /** The mean of each numeric feature over the values read (features with none are left out). */
  means (): Record<string, number> {
    const means: Record<string, number> = {}
    this.spec.features.forEach((f, i) => {
      if (f.type === 'numeric' && this.counts[i] > 0) means[f.name] = this.sums[i] / this.counts[i]
    })
    return means
  }
}

/** Sorted numerically when every value is an integer, else by code units. */
export function sortValues (values: string[]): string[] {
  return values.every(v => /^-?\d+$/.test(v)) ? values.sort((a, b) => Number(a) - Number(b)) : values.sort((a, b) => a < b ? -1 : a > b ? 1 : 0)
}

// A label's class text; integral numbers in any spelling ("3.0", 3) as their digits ("3").
function classText (value: unknown): string | null {
  const text = categoryOf(value)
  if (text === null || text === '') return null
  if (parseNumberText(text) === NUMBER_OK && Number.isSafeInteger(parsedNumber())) return String(parsedNumber())
  return text
}

function describe (from: FieldSource): string {
  return 'key' in from ? 'key' : 'column' in from ? `column ${JSON.stringify(from.column)}` : `field ${JSON.stringify(from.field)}`
}

interface ValueAccess {
  /** Parses the record's value for the readers; false when it does not parse. */
  parse: (record: ConsumedRecord) => boolean
  reader: (from: FieldSource) => Read
}

function csvValues (delimiter: string, quote: string, columns: string[] | undefined): ValueAccess {
  const splitter = new CsvSplitter(delimiter, quote)
  let bytes: Uint8Array = new Uint8Array(0)
  let fields = 0
  return {
    parse (record) {
      if (record.value === null) return false
      bytes = record.value
      fields = splitter.split(bytes)
      return fields !== BAD_CSV && (columns === undefined || fields === columns.length)
    },
    reader (from) {
      const c = 'column' in from ? (typeof from.column === 'number' ? from.column : columns?.indexOf(from.column) ?? -1) : -1
      return () => c < 0 || c >= fields || splitter.isEmpty(bytes, c) ? undefined : splitter.text(bytes, c)
    }
  }
}

function jsonValues (): ValueAccess {
  let object: Record<string, unknown> = {}
  return {
    parse (record) {
      const parsed = record.value === null ? '' : parseObject(record.value.toString('utf8'))
      if (typeof parsed === 'string') return false
      object = parsed
      return true
    },
    reader (from) {
      if (!('field' in from)) return () => undefined
      const read: PathReader = compilePath(from.field)
      return () => read(object)
    }
  }
}
