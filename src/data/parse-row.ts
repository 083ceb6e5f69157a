// One SUSY input row: `label,f1,…,f18`. The label may be written 0, 1, 0.0, 1.0 or
// 1.000000000000000000e+00; the features are kept as their original text (full precision) and
// checked with the same parser the scoring decoder uses, so every row loaded decodes downstream.
import { parseFeatures, parseLabel, BAD_LABEL } from '../codec/susy-csv.js'
import { FEATURE_COUNT, LABEL_KEYS } from './susy.js'

/** One checked SUSY row: its label and its features as CSV bytes. */
export interface SusyRow {
  label: 0 | 1
  /** The 18 features as a CSV line, the original bytes of the row (a view, not a copy). */
  value: Buffer
}

/** Why a row was refused: the 1-based line number and a reason for humans. */
export interface RowError {
  line: number
  reason: string
}

const COMMA = 0x2c
const scratch = new Float32Array(FEATURE_COUNT)

/** Parses a line (a trailing '\r' is allowed) into a row, or says what is wrong with it. */
export function parseSusyRow (line: Buffer, lineNumber: number): SusyRow | RowError {
  let end = line.length
  while (end > 0 && (line[end - 1] === 0x0d || line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--
  if (end === 0) return { line: lineNumber, reason: 'empty line' }
  const comma = line.indexOf(COMMA)
  if (comma === -1 || comma >= end) return { line: lineNumber, reason: 'expected 19 comma-separated columns (label, then 18 features), got 1' }
  const value = line.subarray(comma + 1, end)
  const label = parseLabel(line.subarray(0, comma))
  const failure = parseFeatures(value, scratch, 0, FEATURE_COUNT)
  if (failure !== null) {
    return { line: lineNumber, reason: describeFailure(failure.reason, failure.detail) }
  }
  if (label === null) return { line: lineNumber, reason: 'the label (column 1) is empty' }
  if (label === BAD_LABEL) return { line: lineNumber, reason: `the label ${JSON.stringify(line.subarray(0, Math.min(comma, 40)).toString('latin1'))} is not 0 or 1` }
  return { label, value }
}

export function isRowError (row: SusyRow | RowError): row is RowError {
  return 'reason' in row
}

/** The record key of a label: "0" or "1", the same Buffer every time. */
export function labelKey (label: 0 | 1): Buffer {
  return LABEL_KEYS[label]
}

/** Whether a failed first line looks like a header (a name where the label should be). */
export function looksLikeHeader (line: Buffer): boolean {
  const first = line.subarray(0, Math.max(0, line.indexOf(COMMA))).toString('latin1').trim()
  return /^[A-Za-z_"']/.test(first) && Number.isNaN(Number(first))
}

function describeFailure (reason: string, detail: string): string {
  // The codec counts feature fields; a row's columns are one more (the label).
  if (reason === 'arity') return detail.replace(/(\d+) fields, got (\d+)/, (_, e: string, g: string) => `${Number(e) + 1} columns (label, then 18 features), got ${Number(g) + 1}`)
  if (reason === 'empty-value') return 'no features after the label'
  return detail.replace(/^field (\d+)/, (_, n: string) => `column ${Number(n) + 1}`)
}
