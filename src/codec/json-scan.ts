import { parsedNumber, parseNumberToComma } from './susy-csv.js'

// A one-pass scan of a flat JSON object's bytes: where the value of each wanted top-level key
// starts and ends, and what kind it is, without JSON.parse building an object (18 boxed numbers
// and a string per record for SUSY's features, half the decoder's time in bench/operators.ts).
// It accepts only what it fully understands: exactly one object whose values are strings without
// escapes, numbers, true, false or null, keys without escapes and no wanted key twice. Anything
// else (nested values, escapes, invalid JSON) is left to JSON.parse by the caller, which then
// decides, so the scan never accepts a value JSON.parse would reject.

/** Kinds of a wanted key's value after a scan. */
export const ABSENT = 0
export const STRING = 1 // start/end exclude the quotes
export const NUMBER = 2
export const TRUE = 3
export const FALSE = 4
export const NULL = 5
export const PARSED = 6 // a number whose value is in values[] already (its range may include trailing blanks)

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN = 0x7b
const CLOSE = 0x7d
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39
const TRUE_BYTES = Buffer.from('true')
const FALSE_BYTES = Buffer.from('false')
const NULL_BYTES = Buffer.from('null')

function isSpace (c: number): boolean {
  return c <= 0x20 && (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) // one comparison for the usual non-space
}

export class FlatJsonScanner {
  /** Per wanted key: the kind of its value in the last scan, and its byte range. */
  readonly kinds: Uint8Array
  readonly starts: Int32Array
  readonly ends: Int32Array
  readonly values: Float64Array
  private readonly keys: Uint8Array[]
  // False when a key could only appear escaped in JSON (a quote, a backslash, a control
  // character): every value then goes to JSON.parse.
  private readonly usable: boolean

  constructor (keys: string[]) {
    this.keys = keys.map(k => Buffer.from(k))
    this.usable = keys.every(k => !/["\\\u0000-\u001f]/.test(k))
    this.kinds = new Uint8Array(keys.length)
    this.starts = new Int32Array(keys.length)
    this.ends = new Int32Array(keys.length)
    this.values = new Float64Array(keys.length)
  }

  /** Scans bytes; false when they are not a flat object this scan accepts (ask JSON.parse then). */
  scan (bytes: Uint8Array): boolean {
    if (!this.usable) return false
    this.kinds.fill(ABSENT)
    const keys = this.keys
    const end = bytes.length
    let i = skip(bytes, 0, end)
    if (i === end || bytes[i] !== OPEN) return false
    i = skip(bytes, i + 1, end)
    if (i < end && bytes[i] === CLOSE) return skip(bytes, i + 1, end) === end
    let expected = 0 // keys usually come in the order they were asked for
    for (;;) {
      if (i === end || bytes[i] !== QUOTE) return false
      const keyStart = i + 1
      let wanted = -1
      // The expected key, compared in place: its bytes hold no quote or backslash (usable()).
      if (expected < keys.length) {
        const key = keys[expected]
        const stop = keyStart + key.length
        if (stop < end && bytes[stop] === QUOTE && same(bytes, keyStart, stop, key)) { wanted = expected; i = stop }
      }
      if (wanted < 0) {
        i = stringEnd(bytes, keyStart, end)
        if (i < 0) return false
        wanted = this.find(bytes, keyStart, i, expected)
      }
      i++ // past the closing quote; the usual case, ":" with no space around it, skips no calls
      if (i < end && bytes[i] !== COLON) i = skip(bytes, i, end)
      if (i === end || bytes[i] !== COLON) return false
      i++
      if (i < end && isSpace(bytes[i])) i = skip(bytes, i, end)
      if (i === end) return false
      let start = i
      let stop = i
      let kind: number
      const c = bytes[i]
      if (c === QUOTE) {
        start = i + 1
        i = stringEnd(bytes, start, end)
        if (i < 0) return false
        kind = STRING
        stop = i++
      } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
        // Most numbers end at a comma: parsed here, in the pass that finds them. The last one
        // (before "}") and anything unusual are delimited here and parsed by the caller.
        const status = isDigit(bytes, c === MINUS ? i + 1 : i) ? parseNumberToComma(bytes, i, end) : -1
        if (status >= 0 && status < end && strictJson(bytes, i)) {
          kind = PARSED
          if (wanted >= 0) this.values[wanted] = parsedNumber()
          i = status
        } else {
          i = numberEnd(bytes, i, end)
          if (i < 0) return false
          kind = NUMBER
        }
      } else if (c === 0x74) { if (!literal(bytes, i, end, TRUE_BYTES)) return false; kind = TRUE; i += 4 } // t
      else if (c === 0x66) { if (!literal(bytes, i, end, FALSE_BYTES)) return false; kind = FALSE; i += 5 } // f
      else if (c === 0x6e) { if (!literal(bytes, i, end, NULL_BYTES)) return false; kind = NULL; i += 4 } // n
      else return false // an object, an array, or not JSON
      if (kind !== STRING) stop = i
      if (wanted >= 0) {
        if (this.kinds[wanted] !== ABSENT) return false // JSON.parse keeps the last of a repeated key
        this.kinds[wanted] = kind
        this.starts[wanted] = start
        this.ends[wanted] = stop
        expected = wanted + 1
      }
      if (i < end && isSpace(bytes[i])) i = skip(bytes, i, end)
      if (i === end) return false
      if (bytes[i] === CLOSE) return skip(bytes, i + 1, end) === end
      if (bytes[i] !== COMMA) return false
      i++
      if (i < end && isSpace(bytes[i])) i = skip(bytes, i, end)
    }
  }

  // Index of the wanted key in bytes[start, end), or -1.
  private find (bytes: Uint8Array, start: number, end: number, expected: number): number {
    const keys = this.keys
    if (expected < keys.length && same(bytes, start, end, keys[expected])) return expected
    for (let k = 0; k < keys.length; k++) if (k !== expected && same(bytes, start, end, keys[k])) return k
    return -1
  }
}

function same (bytes: Uint8Array, start: number, end: number, key: Uint8Array): boolean {
  if (end - start !== key.length) return false
  for (let j = 0; j < key.length; j++) if (bytes[start + j] !== key[j]) return false
  return true
}

function skip (bytes: Uint8Array, i: number, end: number): number {
  while (i < end && isSpace(bytes[i])) i++
  return i
}

// Index of the closing quote of a string starting at i, or -1 for an escape, a control character or no end.
function stringEnd (bytes: Uint8Array, i: number, end: number): number {
  for (; i < end; i++) {
    const c = bytes[i]
    if (c === QUOTE) return i
    if (c === BACKSLASH || c < 0x20) return -1
  }
  return -1
}

// Index just after a JSON number starting at i (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?), or -1.
function numberEnd (bytes: Uint8Array, i: number, end: number): number {
  if (bytes[i] === MINUS) i++
  if (i === end) return -1
  if (bytes[i] === ZERO) i++
  else if (bytes[i] > ZERO && bytes[i] <= NINE) while (i < end && bytes[i] >= ZERO && bytes[i] <= NINE) i++
  else return -1
  if (i < end && bytes[i] === DOT) {
    const digits = ++i
    while (i < end && bytes[i] >= ZERO && bytes[i] <= NINE) i++
    if (i === digits) return -1
  }
  if (i < end && (bytes[i] | 0x20) === 0x65) {
    i++
    if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) i++
    const digits = i
    while (i < end && bytes[i] >= ZERO && bytes[i] <= NINE) i++
    if (i === digits) return -1
  }
  return i
}

function isDigit (bytes: Uint8Array, i: number): boolean {
  return i < bytes.length && bytes[i] >= ZERO && bytes[i] <= NINE
}

// What JSON asks of a number beyond what parseNumberToComma checked (a digit first, blanks
// around): no leading zero before another digit, a digit after the decimal point.
// Called only on a number parseNumberToComma accepted, which ends at a comma before `end`:
// every index read here is inside the bytes.
function strictJson (bytes: Uint8Array, i: number): boolean {
  if (bytes[i] === MINUS) i++
  let c = bytes[i]
  if (c === ZERO) {
    c = bytes[i + 1]
    return !(c >= ZERO && c <= NINE) && (c !== DOT || digitAt(bytes, i + 2))
  }
  while (c >= ZERO && c <= NINE) c = bytes[++i]
  return c !== DOT || digitAt(bytes, i + 1)
}

function digitAt (bytes: Uint8Array, i: number): boolean {
  const c = bytes[i]
  return c >= ZERO && c <= NINE
}

function literal (bytes: Uint8Array, i: number, end: number, word: Uint8Array): boolean {
  return same(bytes, i, Math.min(end, i + word.length), word)
}
