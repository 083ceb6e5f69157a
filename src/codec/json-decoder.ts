// The spec-driven decoder for JSON values. A flat object (the common case: scalar values, no
// escapes) is scanned once on its bytes (json-scan.ts) and its numbers parsed in place, as CSV
// fields are; anything else is JSON.parse'd once and read with precompiled path readers. Both
// paths give the same result for a record the scan accepts (test/unit/record-decoder.test.ts).
import type { FieldSource, ResolvedSpec } from '../spec/types.js'
import { BOOLEAN, booleanOf, CATEGORICAL, categoryOf, failure, LabelEncoder, missing, NUMERIC, oneHot, parseNumberText, show, startRecord, type CompileOptions, type Decoded, type FeaturePlan, planFeatures } from './feature-encoder.js'
import { compilePath, exactDigits, parseObject, type PathReader } from './json-fields.js'
import { ABSENT, FALSE, FlatJsonScanner, NULL, NUMBER, PARSED, STRING, TRUE } from './json-scan.js'
import { NUMBER_EMPTY, NUMBER_NOT_FINITE, NUMBER_OK, parsedNumber, parseNumberRange, type DecodeFailure } from './susy-csv.js'
import type { ConsumedRecord } from '../record.js'

const KEY = -1 // a source's scan slot when it is the record's key; NONE: no id
const NONE = -2

export class JsonRecordDecoder {
  private readonly plans: FeaturePlan[]
  private readonly readers: PathReader[]
  private readonly wheres: string[]
  private readonly labelReader: PathReader | null // null: the label is the key
  private readonly idReader: PathReader | null | undefined // null: the key; undefined: no id
  private readonly labels: LabelEncoder
  private readonly result: Decoded = { label: null, id: null }
  // The flat-object scan: one slot per distinct field; each source's slot.
  private readonly scanner: FlatJsonScanner
  private readonly slots: Int32Array
  private readonly labelSlot: number
  private readonly idSlot: number

  constructor (spec: ResolvedSpec, options: CompileOptions) {
    this.plans = planFeatures(spec.features, options)
    const reader = (from: FieldSource): PathReader | null => {
      if ('key' in from) return null
      if (!('field' in from)) throw new RangeError('compileDecoder: a JSON spec names fields, not columns')
      return compilePath(from.field)
    }
    this.readers = spec.features.map(f => reader(f.from)!)
    this.wheres = spec.features.map(f => 'field' in f.from ? `field ${JSON.stringify(f.from.field)}` : 'from the key')
    this.labelReader = reader(spec.label)
    this.idReader = spec.id === undefined ? undefined : reader(spec.id)
    this.labels = new LabelEncoder(spec.task, 'field' in spec.label ? `field ${JSON.stringify(spec.label.field)}` : 'from the key')
    // In a flat object a dotted path can only be a key with dots in it, as compilePath reads it.
    const fields: string[] = []
    const slot = (from: FieldSource | undefined): number => {
      if (from === undefined) return NONE
      if (!('field' in from)) return KEY
      if (!fields.includes(from.field)) fields.push(from.field)
      return fields.indexOf(from.field)
    }
    this.slots = Int32Array.from(spec.features.map(f => slot(f.from)))
    this.labelSlot = slot(spec.label)
    this.idSlot = slot(spec.id)
    this.scanner = new FlatJsonScanner(fields)
  }

  decode (record: ConsumedRecord, out: Float32Array, offset: number): Decoded | DecodeFailure {
    const start = startRecord(record, this.result, this.labels, this.labelReader === null)
    if (start !== null) return start
    const bytes = record.value!
    return this.scanner.scan(bytes) ? this.decodeScanned(bytes, record, out, offset) : this.decodeParsed(bytes, record, out, offset)
  }

  private decodeScanned (bytes: Buffer, record: ConsumedRecord, out: Float32Array, offset: number): Decoded | DecodeFailure {
    const result = this.result
    const { kinds, starts, ends } = this.scanner
    if (this.labelSlot >= 0 && present(this.scanner, this.labelSlot)) {
      const label = this.labels.fromJson(this.scannedValue(bytes, this.labelSlot))
      if (typeof label !== 'number') return label
      result.label = label
    }
    const plans = this.plans
    const slots = this.slots
    for (let f = 0; f < plans.length; f++) {
      const plan = plans[f]
      const at = offset + plan.column
      const k = slots[f]
      const kind = kinds[k]
      if (kind === PARSED && plan.kind === NUMERIC) {
        out[at] = this.scanner.values[k]
        continue
      }
      if (kind === NUMBER && plan.kind === NUMERIC) {
        // A JSON number is valid for this parser too, and rounds as Math.fround(JSON.parse(text)).
        if (parseNumberRange(bytes, starts[k], ends[k]) === NUMBER_OK) { out[at] = parsedNumber(); continue }
        return failure('not-finite', `feature "${plan.name}" (${this.wheres[f]}) ${show(this.scannedValue(bytes, k))} is not a finite float32`)
      }
      const problem = present(this.scanner, k) ? this.encode(f, this.scannedValue(bytes, k), out, at) : missing(plan, this.wheres[f], out, at)
      if (problem !== null) return problem
    }
    if (this.idSlot >= 0 && present(this.scanner, this.idSlot)) {
      const value = this.scannedValue(bytes, this.idSlot)
      const digits = typeof value === 'number' ? bytes.toString('latin1', starts[this.idSlot], ends[this.idSlot]).trim() : ''
      result.id = idText(value, () => /^-?\d+$/.test(digits) ? digits : null)
    } else if (this.idSlot === KEY) result.id = keyText(record)
    return result
  }

  private scannedValue (bytes: Buffer, k: number): unknown {
    const { kinds, starts, ends } = this.scanner
    switch (kinds[k]) {
      case STRING: return bytes.toString('utf8', starts[k], ends[k])
      case NUMBER: case PARSED: return Number(bytes.toString('latin1', starts[k], ends[k]))
      case TRUE: return true
      case FALSE: return false
      default: return null
    }
  }

  private decodeParsed (bytes: Buffer, record: ConsumedRecord, out: Float32Array, offset: number): Decoded | DecodeFailure {
    const result = this.result
    const text = bytes.toString('utf8')
    if (text.trim() === '') return failure('empty-value', 'the value is empty')
    const object = parseObject(text)
    if (typeof object === 'string') return failure('bad-json', object)
    if (this.labelReader !== null) {
      const value = this.labelReader(object)
      if (value !== undefined && value !== null && value !== '') {
        const label = this.labels.fromJson(value)
        if (typeof label !== 'number') return label
        result.label = label
      }
    }
    const plans = this.plans
    for (let f = 0; f < plans.length; f++) {
      const at = offset + plans[f].column
      const value = this.readers[f](object)
      const problem = value === undefined || value === null || value === '' ? missing(plans[f], this.wheres[f], out, at) : this.encode(f, value, out, at)
      if (problem !== null) return problem
    }
    const read = this.idReader
    if (read === null) result.id = keyText(record)
    else if (read !== undefined) result.id = idText(read(object), () => exactDigits(text, read))
    return result
  }

  // Writes a present value of feature f, or returns why it cannot be.
  private encode (f: number, value: unknown, out: Float32Array, at: number): DecodeFailure | null {
    const plan = this.plans[f]
    const where = this.wheres[f]
    if (plan.kind === NUMERIC) {
      if (typeof value === 'number') {
        out[at] = value // the store rounds to float32; beyond its range it is infinite
        return out[at] === Infinity || out[at] === -Infinity ? failure('not-finite', `feature "${plan.name}" (${where}) ${show(value)} is not a finite float32`) : null
      }
      if (typeof value !== 'string') return failure('wrong-type', `feature "${plan.name}" (${where}) ${show(value)} is a ${kind(value)}, not a number`)
      const status = parseNumberText(value)
      if (status === NUMBER_OK) { out[at] = parsedNumber(); return null }
      if (status === NUMBER_EMPTY) return missing(plan, where, out, at)
      if (status === NUMBER_NOT_FINITE) return failure('not-finite', `feature "${plan.name}" (${where}) ${show(value)} is not a finite float32`)
      return failure('not-a-number', `feature "${plan.name}" (${where}) ${show(value)} is not a number`)
    }
    if (plan.kind === BOOLEAN) {
      const b = booleanOf(value)
      if (b < 0) return failure('wrong-type', `feature "${plan.name}" (${where}) ${show(value)} is not a boolean (true/false, yes/no, t/f, 1/0)`)
      out[at] = b
      return null
    }
    if (plan.kind === CATEGORICAL) {
      const text = categoryOf(value)
      if (text === null) return failure('wrong-type', `feature "${plan.name}" (${where}) is a ${kind(value)}, not a category (a string, number or boolean)`)
      return oneHot(plan, where, text, out, at)
    }
    return null
  }
}

// Whether a scanned slot holds a value (not absent, null or "").
function present (scanner: FlatJsonScanner, k: number): boolean {
  const kind = scanner.kinds[k]
  return kind !== ABSENT && kind !== NULL && !(kind === STRING && scanner.starts[k] === scanner.ends[k])
}

// An id's text: strings as they are, integers past 2^53 by their digits, other values as JSON writes them.
function idText (value: unknown, digits: () => string | null): string | null {
  if (value === undefined || value === null || value === '') return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) return digits() ?? String(value)
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

function keyText (record: ConsumedRecord): string | null {
  return record.key === null || record.key.length === 0 ? null : record.key.toString('utf8')
}

function kind (value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value
}
