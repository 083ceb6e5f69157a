// What the spec-driven decoder does with a value once it has found it, whatever the format:
// labels to numbers, booleans and categories to columns, missing values to imputes or failures.
// The CSV and JSON decoders (csv-decoder.ts, json-decoder.ts) find the values; this encodes them.
import type { ResolvedFeature, ResolvedSpec } from '../spec/types.js'
import { NUMBER_OK, parsedNumber, parseNumberRange, type DecodeFailure, type DecodeReason } from './susy-csv.js'
import type { ConsumedRecord } from '../record.js'

export function failure (reason: DecodeReason, detail: string): DecodeFailure {
  return { reason, detail }
}

/** A value for a one-line detail: JSON-quoted, at most 40 characters of it. */
export function show (value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? (Array.isArray(value) ? 'array' : 'object') : String(value)
  return text.length > 40 ? `${JSON.stringify(text.slice(0, 40))}…` : JSON.stringify(text)
}

// A number's text, parsed as a SUSY field is (strict decimal, float32 range): 0 when it is one
// (the value is in parsedNumber()), else the parse status.
export function parseNumberText (text: string): number {
  const bytes = Buffer.from(text)
  return parseNumberRange(bytes, 0, bytes.length)
}

const BOOLEAN_TEXT = new Map<string, number>([
  ['true', 1], ['t', 1], ['yes', 1], ['1', 1], ['false', 0], ['f', 0], ['no', 0], ['0', 0]
])

/** 1 or 0 for a boolean spelling (true/false, t/f, yes/no, 1/0, any case), -1 for anything else. */
export function booleanOf (value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number') return value === 1 ? 1 : value === 0 ? 0 : -1
  if (typeof value !== 'string') return -1
  return BOOLEAN_TEXT.get(value.trim().toLowerCase()) ?? -1
}

/** A categorical value's text: strings as they are, JSON numbers and booleans as JSON writes them. */
export function categoryOf (value: unknown): string | null {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return null
}

/**
 * Labels as the model's targets: a class index (binary: 0 or 1) or, for regression, the number.
 * A class matches its exact text first, then, when both are numbers, by value: "1.0", 1 and
 * true match class "1"; integer 3 matches class "3".
 */
export class LabelEncoder {
  private readonly byText = new Map<string, number>()
  private readonly byValue = new Map<number, number>()
  private readonly regression: boolean
  private readonly classes: string[]

  constructor (task: ResolvedSpec['task'], private readonly from: string) {
    this.regression = task.type === 'regression'
    this.classes = task.type === 'regression' ? [] : task.classes
    const values = new Map<number, number[]>()
    this.classes.forEach((c, i) => {
      this.byText.set(c, i)
      if (parseNumberText(c) === NUMBER_OK) values.set(parsedNumber(), [...(values.get(parsedNumber()) ?? []), i])
    })
    // Numbers that two classes share ("1" and "1.0") match by text only.
    for (const [v, classes] of values) if (classes.length === 1) this.byValue.set(v, classes[0])
  }

  /** The label in bytes[start, end) (a key, a CSV field): its target, or a failure. */
  fromBytes (bytes: Uint8Array, start: number, end: number): number | DecodeFailure {
    if (parseNumberRange(bytes, start, end) === NUMBER_OK) {
      const v = parsedNumber()
      if (this.regression) return v
      const c = this.byValue.get(v)
      if (c !== undefined) return c
    }
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end)
    return this.fromText(text.trim())
  }

  /** The label as a JSON value (or an unquoted CSV field's text): its target, or a failure. */
  fromJson (value: unknown): number | DecodeFailure {
    if (typeof value === 'string') return this.fromText(value)
    if (typeof value === 'number') {
      if (this.regression) return Number.isFinite(Math.fround(value)) ? value : this.bad(value)
      return this.byValue.get(value) ?? this.byText.get(String(value)) ?? this.bad(value)
    }
    if (typeof value === 'boolean' && !this.regression) return this.byText.get(String(value)) ?? this.byValue.get(value ? 1 : 0) ?? this.bad(value)
    return this.bad(value)
  }

  private fromText (text: string): number | DecodeFailure {
    if (this.regression) return parseNumberText(text) === NUMBER_OK ? parsedNumber() : this.bad(text)
    const c = this.byText.get(text)
    if (c !== undefined) return c
    if (parseNumberText(text) === NUMBER_OK) return this.byValue.get(parsedNumber()) ?? this.bad(text)
    return this.bad(text)
  }

  private bad (value: unknown): DecodeFailure {
    if (this.regression) return failure('bad-label', `the label ${show(value)} (${this.from}) is not a number`)
    const listed = this.classes.length <= 10 ? this.classes.join(', ') : `${this.classes.slice(0, 10).join(', ')}, … (${this.classes.length})`
    return failure('bad-label', `the label ${show(value)} (${this.from}) is not one of the classes ${listed}`)
  }
}

// Feature kinds, as small integers for the decoders' switch.
export const NUMERIC = 0
export const BOOLEAN = 1
export const CATEGORICAL = 2

/** One feature, compiled: where its columns go and what a missing or unknown value does. */
export interface FeaturePlan {
  kind: number
  name: string
  /** Its first encoded column (within the record's row). */
  column: number
  /** Encoded columns: 1, or the vocabulary's size (one-hot). */
  width: number
  /** Category text -> its column offset (categorical only). */
  vocabulary: Map<string, number>
  /** Whether a value outside the vocabulary counts as "other" (zeros) instead of failing. */
  other: boolean
  /** Whether a missing value is imputed; the value written is `impute` (zeros for a category). */
  imputes: boolean
  impute: number
}

/** What compiling a spec into a decoder needs beyond the spec. */
export interface CompileOptions {
  /**
   * The train mean of each numeric feature that imputes "mean", by feature name (SpecLearner
   * returns them). The decoder writes the raw mean: standardising comes after decoding.
   */
  imputeMeans?: Record<string, number>
}

export function planFeatures (features: ResolvedFeature[], options: CompileOptions): FeaturePlan[] {
  // The model's first input takes the numbers (numeric, boolean, one-hot, in spec order), then
  // each embedded category has an input of its own: its one-hot columns come after the numbers.
  let column = 0
  let embeddedColumn = features.reduce((n, f) => n + (isEmbedded(f) ? 0 : f.type === 'categorical' ? f.vocabulary.length : 1), 0)
  return features.map(f => {
    const embedded = isEmbedded(f)
    const width = f.type === 'categorical' ? f.vocabulary.length : 1
    const plan: FeaturePlan = {
      kind: f.type === 'numeric' ? NUMERIC : f.type === 'boolean' ? BOOLEAN : CATEGORICAL,
      name: f.name,
      column: embedded ? embeddedColumn : column,
      width,
      vocabulary: new Map(f.type === 'categorical' ? f.vocabulary.map((v, i) => [v, i]) : []),
      other: f.type === 'categorical' && f.onUnknown === 'other',
      imputes: f.onMissing === 'impute',
      impute: f.onMissing === 'impute' ? imputeValue(f, options) : 0
    }
    if (embedded) embeddedColumn += width
    else column += width
    return plan
  })
}

function isEmbedded (f: ResolvedFeature): boolean {
  return f.type === 'categorical' && f.encoding === 'embedding'
}

function imputeValue (f: ResolvedFeature, options: CompileOptions): number {
  if (f.type === 'boolean') return f.impute === true ? 1 : 0
  if (f.type === 'categorical' || f.impute === undefined) return 0
  if (f.impute !== 'mean') return f.impute
  const mean = options.imputeMeans?.[f.name]
  if (mean === undefined || !Number.isFinite(mean)) {
    throw new RangeError(`compileDecoder: feature "${f.name}" imputes the train mean, but no mean for it was given (imputeMeans); learn it with SpecLearner or give a number as impute`)
  }
  return mean
}

/** Encoded column names: a numeric or boolean feature's name, "name=value" per category. */
export function columnNames (features: ResolvedFeature[]): string[] {
  const names = (f: ResolvedFeature): string[] => f.type === 'categorical' ? f.vocabulary.map(v => `${f.name}=${v}`) : [f.name]
  return [...features.filter(f => !isEmbedded(f)).flatMap(names), ...features.filter(isEmbedded).flatMap(names)]
}

/** Writes a missing value's impute into out, or returns why the record fails. */
export function missing (plan: FeaturePlan, where: string, out: Float32Array, offset: number): DecodeFailure | null {
  if (!plan.imputes) return failure('missing-field', `feature "${plan.name}" (${where}) is missing`)
  if (plan.kind === CATEGORICAL) out.fill(0, offset, offset + plan.width)
  else out[offset] = plan.impute
  return null
}

/** Writes a category's one-hot columns into out, or returns why the record fails. */
export function oneHot (plan: FeaturePlan, where: string, text: string, out: Float32Array, offset: number): DecodeFailure | null {
  const index = plan.vocabulary.get(text)
  if (index === undefined && !plan.other) {
    return failure('unknown-category', `feature "${plan.name}" (${where}) ${show(text)} is not in its vocabulary (${plan.width} values); add it, or set onUnknown: other`)
  }
  out.fill(0, offset, offset + plan.width)
  if (index !== undefined) out[offset + index] = 1
  return null
}

/**
 * How both spec decoders start a record: `result` cleared, then a label taken from the key when
 * the spec says so (first, as decodeCsv does: a bad key is the reason even when the value is bad
 * too), then a tombstone rejected. Returns the failure, or null to decode the value.
 */
export function startRecord (record: ConsumedRecord, result: Decoded, labels: LabelEncoder, labelFromKey: boolean): DecodeFailure | null {
  result.label = null
  result.id = null
  if (labelFromKey) {
    const key = record.key
    if (key !== null && key.length > 0) {
      const label = labels.fromBytes(key, 0, key.length)
      if (typeof label !== 'number') return label
      result.label = label
    }
  }
  return record.value === null ? failure('null-value', 'the record has no value (tombstone)') : null
}

/** What a record decodes to besides its features. */
export interface Decoded {
  /**
   * The class index (binary: 0 or 1; multiclass: its index in task.classes) or, for regression,
   * the number; null when the record has no label (no key, or an absent, empty or null field).
   */
  label: number | null
  /** The id's text (a JSON number keeps its digits); null without an id in the spec or the record. */
  id: string | null
}
