// The spec-driven decoder for CSV values: the line is split once (on its bytes), numeric fields
// are parsed in place by the SUSY parser's number routine, text is made only for the categorical,
// boolean, label and id fields that need it.
import type { CsvFormat, FieldSource, ResolvedSpec } from '../spec/types.js'
import { BAD_CSV, CsvSplitter } from './csv-fields.js'
import { BOOLEAN, booleanOf, CATEGORICAL, failure, LabelEncoder, missing, NUMERIC, oneHot, show, startRecord, type CompileOptions, type Decoded, type FeaturePlan, planFeatures } from './feature-encoder.js'
import { NUMBER_NOT_FINITE, NUMBER_OK, parsedNumber, parseNumberRange, type DecodeFailure } from './susy-csv.js'
import type { ConsumedRecord } from '../record.js'

const KEY = -1 // a source's column when it is the record's key

export class CsvRecordDecoder {
  private readonly splitter: CsvSplitter
  private readonly plans: FeaturePlan[]
  private readonly sources: Int32Array // CSV column of each feature
  private readonly wheres: string[] // "column 3" / "column \"age\"", for details
  private readonly arity: number // expected fields, or 0 when format.columns is not given
  private readonly labelColumn: number
  private readonly idColumn: number | null
  private readonly labels: LabelEncoder
  private readonly result: Decoded = { label: null, id: null }

  constructor (spec: ResolvedSpec, format: CsvFormat, options: CompileOptions) {
    this.splitter = new CsvSplitter(format.delimiter, format.quote)
    this.plans = planFeatures(spec.features, options)
    const columnOf = (from: FieldSource): number => {
      if ('key' in from) return KEY
      if (!('column' in from)) throw new RangeError('compileDecoder: a CSV spec names columns, not fields')
      if (typeof from.column === 'number') return from.column
      const index = format.columns?.indexOf(from.column) ?? -1
      if (index < 0) throw new RangeError(`compileDecoder: no column "${from.column}" in format.columns`)
      return index
    }
    this.sources = Int32Array.from(spec.features.map(f => columnOf(f.from)))
    this.wheres = spec.features.map(f => describeColumn(f.from))
    this.arity = format.columns?.length ?? 0
    this.labelColumn = columnOf(spec.label)
    this.idColumn = spec.id === undefined ? null : columnOf(spec.id)
    this.labels = new LabelEncoder(spec.task, describeColumn(spec.label))
  }

  decode (record: ConsumedRecord, out: Float32Array, offset: number): Decoded | DecodeFailure {
    const result = this.result
    const start = startRecord(record, result, this.labels, this.labelColumn === KEY)
    if (start !== null) return start
    const bytes = record.value!
    if (isBlank(bytes)) return failure('empty-value', 'the value is empty')
    const splitter = this.splitter
    const fields = splitter.split(bytes)
    if (fields === BAD_CSV) return failure('bad-csv', `the value is not a CSV line: ${splitter.problem}`)
    if (this.arity !== 0 && fields !== this.arity) return failure('arity', `expected ${this.arity} fields, got ${fields}`)
    if (this.labelColumn !== KEY) {
      const c = this.labelColumn
      if (c < fields && !splitter.isEmpty(bytes, c)) {
        const label = splitter.isEscaped(c) ? this.labels.fromJson(splitter.text(bytes, c)) : this.labels.fromBytes(bytes, splitter.starts[c], splitter.ends[c])
        if (typeof label !== 'number') return label
        result.label = label
      }
    }
    const plans = this.plans
    const sources = this.sources
    for (let f = 0; f < plans.length; f++) {
      const plan = plans[f]
      const c = sources[f]
      const at = offset + plan.column
      if (c >= fields || splitter.isEmpty(bytes, c)) {
        const problem = missing(plan, this.wheres[f], out, at)
        if (problem !== null) return problem
        continue
      }
      if (plan.kind === NUMERIC) {
        const status = splitter.isEscaped(c) ? -2 : parseNumberRange(bytes, splitter.starts[c], splitter.ends[c])
        if (status !== NUMBER_OK) return this.badNumber(f, status, bytes, c)
        out[at] = parsedNumber()
      } else if (plan.kind === BOOLEAN) {
        const b = booleanOf(splitter.text(bytes, c))
        if (b < 0) return failure('wrong-type', `feature "${plan.name}" (${this.wheres[f]}) ${show(splitter.text(bytes, c))} is not a boolean (true/false, yes/no, t/f, 1/0)`)
        out[at] = b
      } else if (plan.kind === CATEGORICAL) {
        const problem = oneHot(plan, this.wheres[f], splitter.text(bytes, c), out, at)
        if (problem !== null) return problem
      }
    }
    if (this.idColumn !== null) result.id = this.id(record, bytes, fields)
    return result
  }

  private badNumber (f: number, status: number, bytes: Uint8Array, c: number): DecodeFailure {
    const plan = this.plans[f]
    const text = show(this.splitter.text(bytes, c))
    if (status === NUMBER_NOT_FINITE) return failure('not-finite', `feature "${plan.name}" (${this.wheres[f]}) ${text} is not a finite float32`)
    return failure('not-a-number', `feature "${plan.name}" (${this.wheres[f]}) ${text} is not a number`)
  }

  private id (record: ConsumedRecord, bytes: Uint8Array, fields: number): string | null {
    const c = this.idColumn!
    if (c === KEY) return record.key === null || record.key.length === 0 ? null : record.key.toString('utf8')
    if (c >= fields || this.splitter.isEmpty(bytes, c)) return null
    return this.splitter.text(bytes, c)
  }
}

function describeColumn (from: FieldSource): string {
  if ('key' in from) return 'from the key'
  if ('column' in from) return typeof from.column === 'number' ? `column ${from.column}` : `column ${JSON.stringify(from.column)}`
  return `field ${JSON.stringify(from.field)}`
}

function isBlank (bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false
  }
  return true
}
