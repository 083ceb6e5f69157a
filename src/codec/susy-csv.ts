// Byte-level parsing of SUSY records: the value is 18 comma-separated numbers, the key the label.
// Works on the raw bytes, without decoding to a string or splitting, because this is the scoring
// hot path (tens of thousands of records a second). Every value written matches
// Math.fround(Number(text)) exactly: the common case takes Clinger's exact fast path, the rest
// is checked against float32 rounding boundaries and falls back to Number() when too close.

/** Why a record cannot be decoded; also the value of the `streamfit.dlq.reason` header. */
export type DecodeReason =
  | 'null-value' // tombstone: no value at all
  | 'empty-value' // a value of zero length (or only blanks)
  | 'arity' // not exactly the expected number of fields
  | 'empty-field' // a field with nothing in it ("1,,2")
  | 'not-a-number' // text that is not a decimal number ("abc", "1.2.3", "0x10")
  | 'not-finite' // NaN, Infinity, or a number beyond float32 range
  | 'missing-key' // no key, so no label
  | 'bad-label' // a key that is not a number equal to 0 or 1; with a spec: a label not among its classes, or not a number for regression
  // The reasons below come from the spec-driven decoder (src/codec/record-decoder.ts) only.
  | 'bad-json' // a JSON value that does not parse, or is not an object
  | 'bad-csv' // a CSV line that does not split (an unterminated quote, text after a closing quote)
  | 'missing-field' // a feature's (or the label's) field or column absent, empty or null, and not imputed
  | 'wrong-type' // a value of the wrong kind: an object where a number goes, "maybe" for a boolean
  | 'unknown-category' // a categorical value outside the vocabulary, with onUnknown: dead-letter

/** Every {@link DecodeReason}: the `reason` a dead letter can carry. */
export const DECODE_REASONS: readonly DecodeReason[] = [
  'null-value', 'empty-value', 'arity', 'empty-field', 'not-a-number', 'not-finite', 'missing-key', 'bad-label',
  'bad-json', 'bad-csv', 'missing-field', 'wrong-type', 'unknown-category'
]

/** The outcome of a failed parse: a reason code and a one-line detail for humans. */
export interface DecodeFailure {
  reason: DecodeReason
  detail: string
}

const COMMA = 0x2c
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39
const TWO53 = 9007199254740992
// Exact powers of ten as doubles (10^22 is the last one that is exact).
// Relative nudges far below float32 precision, far above the approximation's error.
const NUDGE_UP = 1 + 2 ** -40
const NUDGE_DOWN = 1 - 2 ** -40
const POW10: Float64Array = Float64Array.from({ length: 23 }, (_, i) => Number(`1e${i}`))

function isBlank (c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a
}

// Status of parseNumber: >= 0 is the index just after the number's field; negative is a failure.
const EMPTY = -1
const NOT_A_NUMBER = -2
const NOT_FINITE = -3

// The last parsed value, as a double that rounds to the right float32 when stored in a
// Float32Array. A typed array, not a `let`: on Node 20 every double assigned to a module variable
// is a fresh heap number. bench/operators.ts checks that parsing allocates nothing.
const parsed = new Float64Array(1)

/**
 * Parses one number in bytes[start, end) up to the next comma or `end`, into `parsed[0]`. Returns the index of the terminating comma (or `end`) or a negative status.
 *
 * Longer than the 80-line rule on purpose: it is the hot loop of decoding (every feature of every
 * record), kept as one straight-line function with no calls or allocations in it;
 * bench/operators.ts measures it and checks that it allocates nothing.
 */
function parseNumber (bytes: Uint8Array, start: number, end: number): number {
  let i = start
  while (i < end && isBlank(bytes[i])) i++
  const fieldStart = i
  if (i === end || bytes[i] === COMMA) return EMPTY
  let negative = false
  let c = bytes[i]
  if (c === MINUS || c === PLUS) { negative = c === MINUS; i++ }
  // The first 18 significant digits, as two int32 halves: small-integer arithmetic in the loop,
  // one double operation at the end.
  let hi = 0 // significant digits 1-9
  let lo = 0 // significant digits 10-18
  let loDigits = 0
  let sig = 0 // significant digits kept (leading zeros excluded)
  let exp10 = 0 // decimal exponent to apply to the kept digits
  let digits = 0 // all digits seen, to reject "", ".", "-"
  let exact = true // false once a nonzero digit was dropped
  for (; i < end; i++) {
    c = bytes[i] - ZERO
    if (c < 0 || c > 9) break
    digits++
    if (sig < 9) {
      hi = hi * 10 + c
      if (hi !== 0) sig++ // leading zeros are not significant
    } else if (sig < 18) {
      lo = lo * 10 + c; loDigits++; sig++
    } else { exp10++; if (c !== 0) exact = false }
  }
  if (i < end && bytes[i] === DOT) {
    for (i++; i < end; i++) {
      c = bytes[i] - ZERO
      if (c < 0 || c > 9) break
      digits++
      if (sig < 9) {
        hi = hi * 10 + c
        if (hi !== 0) sig++
        exp10--
      } else if (sig < 18) {
        lo = lo * 10 + c; loDigits++; sig++
        exp10--
      } else if (c !== 0) exact = false
    }
  }
  if (digits === 0) return nonNumeric(bytes, fieldStart, end)
  if (i < end && (bytes[i] | 0x20) === 0x65) { // e or E
    i++
    let expNegative = false
    if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) { expNegative = bytes[i] === MINUS; i++ }
    let e = 0
    let expDigits = 0
    for (; i < end; i++) {
      c = bytes[i]
      if (c < ZERO || c > NINE) break
      if (e < 100000) e = e * 10 + (c - ZERO)
      expDigits++
    }
    if (expDigits === 0) return NOT_A_NUMBER
    exp10 += expNegative ? -e : e
  }
  const numberEnd = i
  while (i < end && isBlank(bytes[i])) i++
  if (i < end && bytes[i] !== COMMA) return NOT_A_NUMBER
  const m = loDigits === 0 ? hi : hi * POW10[loDigits] + lo // exact while <= 2^53
  let v = 0
  if (m === 0) {
    v = 0
  } else if (exact && m <= TWO53 && exp10 >= -22 && exp10 <= 22) {
    // Clinger's fast path: one correctly rounded operation gives the correctly rounded double.
    v = exp10 < 0 ? m / POW10[-exp10] : m * POW10[exp10]
  } else {
    // The approximation is within a few double ulps of the true value; unless that is near a
    // float32 rounding boundary, it rounds to the same float32. Otherwise ask Number().
    // (No NaN placeholder for the out-of-range case: a NaN constant in a phi made V8 box v.)
    let close = false
    if (exp10 >= -22 && exp10 <= 22) {
      v = exp10 < 0 ? m / POW10[-exp10] : m * POW10[exp10]
      const f = Math.fround(v)
      close = Math.fround(v * NUDGE_UP) === f && Math.fround(v * NUDGE_DOWN) === f
    }
    if (!close) {
      v = Number(Buffer.from(bytes.buffer, bytes.byteOffset + fieldStart, numberEnd - fieldStart).toString('latin1'))
      if (negative) v = -v // the sign was part of the sliced text; undo the negation below
    }
  }
  const f32 = Math.fround(v)
  if (f32 === Infinity || f32 === -Infinity) return NOT_FINITE
  parsed[0] = negative ? -v : v
  return i
}

// Tells NaN / Infinity spellings (not finite) apart from other text (not a number).
function nonNumeric (bytes: Uint8Array, start: number, end: number): number {
  let i = start
  if (bytes[i] === MINUS || bytes[i] === PLUS) i++
  let word = ''
  for (; i < end && word.length < 9; i++) {
    const c = bytes[i]
    if (c === COMMA || isBlank(c)) break
    word += String.fromCharCode(c | 0x20)
  }
  while (i < end && isBlank(bytes[i])) i++
  const ends = i === end || bytes[i] === COMMA
  return ends && (word === 'nan' || word === 'inf' || word === 'infinity') ? NOT_FINITE : NOT_A_NUMBER
}

/** Outcome of parseNumberRange: the number is in parsedNumber(), or why there is none. */
export const NUMBER_OK = 0
/** Outcome of parseNumberRange: the field is empty (or blank). */
export const NUMBER_EMPTY = EMPTY
/** Outcome of parseNumberRange: the field is not a number. */
export const NUMBER_NOT_A_NUMBER = NOT_A_NUMBER
/** Outcome of parseNumberRange: the field is NaN or infinite. */
export const NUMBER_NOT_FINITE = NOT_FINITE

/**
 * Parses the number that fills bytes[start, end) (blanks around it allowed) with the same rules
 * and float32 rounding as a SUSY field, for the spec-driven decoder's fields of any delimiter.
 * Returns NUMBER_OK (the value is then parsedNumber()), NUMBER_EMPTY for blanks only, or a failure.
 * A wrapper, so parseNumber itself stays exactly what the SUSY hot path runs.
 */
export function parseNumberRange (bytes: Uint8Array, start: number, end: number): number {
  const status = parseNumber(bytes, start, end)
  if (status === end) return NUMBER_OK
  if (status >= 0) return NOT_A_NUMBER // stopped at a comma inside the range ("1,5" under ";")
  if (status === NOT_A_NUMBER) return status
  // EMPTY and NOT_FINITE stop at a comma too: only believe them when the range has none.
  let blank = true
  for (let i = start; i < end; i++) {
    if (bytes[i] === COMMA) return NOT_A_NUMBER
    if (!isBlank(bytes[i])) blank = false
  }
  return status === EMPTY && !blank ? NOT_A_NUMBER : status
}

/**
 * Parses the number starting at bytes[start] that runs to the next comma (blanks around it
 * allowed), or to `end`: returns the comma's index (or `end`), the value then in parsedNumber(),
 * or a negative status. For scanners that find fields and numbers in one pass (json-scan.ts).
 */
export function parseNumberToComma (bytes: Uint8Array, start: number, end: number): number {
  return parseNumber(bytes, start, end)
}

/** The double that the last successful parseNumberRange (or parseLabel) read. */
export function parsedNumber (): number {
  return parsed[0]
}

function fieldText (bytes: Uint8Array, start: number, end: number): string {
  let stop = start
  while (stop < end && bytes[stop] !== COMMA) stop++
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(stop - start, 40)).toString('latin1')
  return JSON.stringify(text.trim()) + (stop - start > 40 ? '…' : '')
}

function countFields (bytes: Uint8Array): number {
  let n = 1
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === COMMA) n++
  return n
}

/**
 * Parses `expected` comma-separated numbers from `bytes` into `out` starting at `outOffset`.
 * Returns null on success, or why the bytes are not a valid row (nothing is promised about
 * what was written to `out` then).
 */
export function parseFeatures (bytes: Uint8Array | null, out: Float32Array, outOffset: number, expected: number): DecodeFailure | null {
  if (bytes === null) return { reason: 'null-value', detail: 'the record has no value (tombstone)' }
  const end = bytes.length
  let i = 0
  while (i < end && isBlank(bytes[i])) i++
  if (i === end) return { reason: 'empty-value', detail: 'the value is empty' }
  for (let field = 0; ; field++) {
    if (field === expected) {
      return { reason: 'arity', detail: `expected ${expected} fields, got ${countFields(bytes)}` }
    }
    const status = parseNumber(bytes, i, end)
    if (status < 0) {
      const fields = countFields(bytes)
      if (fields !== expected) return { reason: 'arity', detail: `expected ${expected} fields, got ${fields}` }
      if (status === EMPTY) return { reason: 'empty-field', detail: `field ${field + 1} is empty` }
      const what = status === NOT_FINITE ? 'is not a finite float32' : 'is not a number'
      return { reason: status === NOT_FINITE ? 'not-finite' : 'not-a-number', detail: `field ${field + 1} ${fieldText(bytes, i, end)} ${what}` }
    }
    out[outOffset + field] = parsed[0] // the store rounds to float32
    if (status === end) {
      if (field + 1 !== expected) return { reason: 'arity', detail: `expected ${expected} fields, got ${field + 1}` }
      return null
    }
    i = status + 1 // skip the comma
  }
}

/** Result of parseLabel when the key is not a valid label. */
export const BAD_LABEL = -1

/**
 * Parses a label key: any decimal spelling of 0 or 1 ("0", "1", "1.0", "1.000e+00", " 0 ").
 * Returns 0, 1, BAD_LABEL, or null when there is no key.
 */
export function parseLabel (key: Uint8Array | null): 0 | 1 | typeof BAD_LABEL | null {
  if (key === null || key.length === 0) return null
  const status = parseNumber(key, 0, key.length)
  if (status !== key.length) return BAD_LABEL
  const value = parsed[0] // a double: "1.00000001" is not 1 even though it is in float32
  return value === 0 ? 0 : value === 1 ? 1 : BAD_LABEL
}

/** A one-line description of a bad label key, for the dead-letter detail. */
export function describeBadLabel (key: Uint8Array): string {
  const text = Buffer.from(key.buffer, key.byteOffset, Math.min(key.length, 40)).toString('latin1')
  return `the key ${JSON.stringify(text)} is not a label (0 or 1)`
}
