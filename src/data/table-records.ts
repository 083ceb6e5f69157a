// A data file's rows as the records `load --spec` writes: value = the row in the spec's format,
// key = the label text when the spec's label is the key, else the id, else none.
//
// CSV: a first line naming every column of format.columns is a header (without format.columns,
// a first line that looks like names is); the value is the row re-joined in format.columns'
// order with the spec's delimiter and quote, so a file in another order or with another
// delimiter loads. A label from a column stays in the value (it is one of the columns). Without a
// header the file's columns are taken in format.columns' order. When the label is the key, the
// file's label column is --label, else the one header column format.columns does not name, else
// (no header) the first column, as in SUSY's UCI file; it is left out of the value.
// JSON lines: the value is the line's own text; when the label is the key it is the object
// without its label field (--label, default "label").
// A missing label is not a reason to drop a row: the record goes out without a key (or with its
// label column empty) and the stream's decoder dead-letters it with its reason.
import { BadRowError, UsageError } from '../errors.js'
import type { DatasetSpec, FieldSource } from '../spec/types.js'
import { headerNames, looksLikeHeader, namesEveryColumn } from './csv-sniff.js'
import { isRowError, openTable, unreadable, type CsvRow, type JsonRow, type RowError } from './read-table.js'
import { isMissingText } from './value-text.js'

export interface KeyedValue { key: Buffer | null, value: Buffer }

export interface ReadRecordsOptions {
  /** Only the first N data rows (unreadable ones among them included). */
  rows?: number
  skipBad?: boolean
  /** The file's label column or field when the spec's label is the key. */
  labelFrom?: string
  onSkip?: (row: RowError) => void
  onNote?: (text: string) => void
}

export interface ReadRecords {
  records: KeyedValue[]
  skipped: RowError[]
  /** What the key holds. */
  keyed: 'label' | 'id' | 'none'
}

export async function readTableRecords (spec: DatasetSpec, source: string, o: ReadRecordsOptions = {}): Promise<ReadRecords> {
  if (spec.id !== undefined && 'key' in spec.id) throw new UsageError('id: {key: true} cannot be loaded from a file (the key carries the label or nothing); name the id\'s column or field')
  const quote = spec.format.type === 'csv' ? spec.format.quote : '"'
  const table = await openTable(source, { quote })
  if (table.kind === 'json' && spec.format.type === 'csv') throw new UsageError(`${source} holds JSON lines, but the spec's format is csv: give a CSV file, or set format.type: json`)
  if (table.kind === 'csv' && spec.format.type === 'json') throw new UsageError(`${source} holds CSV, but the spec's format is json: give a JSON-lines file, or run \`streamfit init\` on this file`)
  const limit = o.rows ?? Infinity
  const raw: Array<CsvRow | JsonRow | RowError> = []
  try {
    for await (const row of table.rows as AsyncGenerator<CsvRow | JsonRow | RowError>) {
      raw.push(row)
      if (raw.length > limit) break // one more: the first may be a header
    }
  } catch (error) {
    throw unreadable(source, error)
  }
  const skipped: RowError[] = []
  const bad = (row: RowError): void => {
    if (o.skipBad !== true) throw new BadRowError(row, source)
    skipped.push(row)
    o.onSkip?.(row)
  }
  const shape = spec.format.type === 'csv' ? csvShaper(spec, raw.filter((r): r is CsvRow => !isRowError(r)).slice(0, 200).map(r => r.fields), o) : jsonShaper(spec, o)
  const records: KeyedValue[] = []
  let dataRows = 0
  for (const [i, row] of raw.entries()) {
    if (i === shape.headerIndex(raw)) continue
    if (dataRows >= limit) break
    dataRows++
    if (isRowError(row)) { bad(row); continue }
    const record = shape.record(row)
    if ('reason' in record) bad(record); else records.push(record)
  }
  if (records.length === 0) throw new UsageError(`${source} holds no rows to load`)
  return { records, skipped, keyed: 'key' in spec.label ? 'label' : spec.id !== undefined ? 'id' : 'none' }
}

interface Shaper {
  /** The index in the rows read of the header line, or -1. */
  headerIndex: (rows: Array<CsvRow | JsonRow | RowError>) => number
  record: (row: CsvRow | JsonRow) => KeyedValue | RowError
}

function csvShaper (spec: DatasetSpec, first: string[][], o: ReadRecordsOptions): Shaper {
  if (spec.format.type !== 'csv') throw new Error('csv shaper of a json spec')
  const { delimiter, quote, columns } = spec.format
  const head = first[0] ?? []
  const header = columns !== undefined ? namesEveryColumn(head, columns) : looksLikeHeader(first)
  if (!header && columns !== undefined && looksLikeHeader(first)) {
    const trimmed = headerNames(head)
    throw new UsageError(`line 1 looks like a header but lacks ${columns.filter(c => !trimmed.includes(c)).join(', ')} of format.columns: rename the file's columns or fix format.columns`)
  }
  const labelIsKey = 'key' in spec.label
  const names = header ? headerNames(head) : null
  o.onNote?.(header ? 'line 1 is a header: columns are taken by name' : `no header: columns are taken in ${columns !== undefined ? 'format.columns\'' : 'the file\'s'} order${labelIsKey ? ', the label first' : ''}`)
  // The file's column holding the label (when it is the key), and the value's columns in order.
  let labelIndex = -1
  let valueIndexes: number[]
  let width: number
  if (names !== null) {
    if (labelIsKey) labelIndex = fileLabelIndex(names, columns, o.labelFrom)
    valueIndexes = columns !== undefined ? columns.map(c => names.indexOf(c)) : names.map((_, i) => i).filter(i => i !== labelIndex)
    width = names.length
  } else {
    const valueWidth = columns?.length ?? Math.max(0, (first[0]?.length ?? 0) - (labelIsKey ? 1 : 0))
    if (labelIsKey) labelIndex = o.labelFrom !== undefined ? indexFlag(o.labelFrom, valueWidth + 1) : 0
    width = valueWidth + (labelIsKey ? 1 : 0)
    valueIndexes = Array.from({ length: width }, (_, i) => i).filter(i => i !== labelIndex)
  }
  const idPosition = spec.id === undefined ? -1 : valuePosition(spec.id, columns)
  return {
    headerIndex: rows => header ? rows.findIndex(r => !isRowError(r)) : -1,
    record (row) {
      const { fields, line } = row as CsvRow
      if (fields.length !== width) return { line, reason: `expected ${width} columns${names !== null ? ' (as the header)' : ''}, got ${fields.length}` }
      const values = valueIndexes.map(i => fields[i]!)
      const keyText = labelIsKey ? fields[labelIndex]! : idPosition >= 0 ? values[idPosition]! : null
      return { key: keyOf(keyText), value: Buffer.from(csvLine(values, delimiter, quote)) }
    }
  }
}

function fileLabelIndex (names: string[], columns: string[] | undefined, labelFrom: string | undefined): number {
  if (labelFrom !== undefined) {
    const i = names.indexOf(labelFrom)
    if (i < 0) throw new UsageError(`--label ${labelFrom}: the file's header has no such column (${names.join(', ')})`)
    return i
  }
  const extra = columns === undefined ? [] : names.filter(n => !columns.includes(n))
  if (extra.length !== 1) throw new UsageError(`the spec's label is the key: say which of the file's columns holds it with --label (${extra.length === 0 ? 'every column is in format.columns' : `candidates: ${extra.join(', ')}`})`)
  return names.indexOf(extra[0]!)
}

function indexFlag (text: string, width: number): number {
  const i = Number(text)
  if (!Number.isInteger(i) || i < 0 || i >= width) throw new UsageError(`--label ${text}: the file has no header, so give the label's 0-based column index (0 to ${width - 1})`)
  return i
}

/** Where an id column sits in the value's fields. */
function valuePosition (id: FieldSource, columns: string[] | undefined): number {
  if (!('column' in id)) return -1
  return typeof id.column === 'number' ? id.column : columns?.indexOf(id.column) ?? -1
}

function jsonShaper (spec: DatasetSpec, o: ReadRecordsOptions): Shaper {
  const labelPath = 'key' in spec.label ? (o.labelFrom ?? 'label') : null
  const idPath = spec.id !== undefined && 'field' in spec.id ? spec.id.field : null
  return {
    headerIndex: () => -1,
    record (row) {
      const { object, text } = row as JsonRow
      if (labelPath === null) return { key: keyOf(jsonText(valueAt(object, idPath))), value: Buffer.from(text) }
      const label = valueAt(object, labelPath)
      return { key: keyOf(jsonText(label)), value: Buffer.from(JSON.stringify(without(object, labelPath))) }
    }
  }
}

function valueAt (object: Record<string, unknown>, path: string | null): unknown {
  if (path === null) return undefined
  let at: unknown = object
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined
    at = (at as Record<string, unknown>)[part]
  }
  return at
}

/** A copy of the object without the field at `path` (objects along the path copied, the rest shared). */
function without (object: Record<string, unknown>, path: string): Record<string, unknown> {
  const [head, ...rest] = path.split('.') as [string, ...string[]]
  const inner = object[head]
  if (!(head in object)) return object
  if (rest.length === 0) return Object.fromEntries(Object.entries(object).filter(([k]) => k !== head))
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return object
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, k === head ? without(inner as Record<string, unknown>, rest.join('.')) : v]))
}

function jsonText (value: unknown): string | null {
  if (value === undefined || value === null) return null
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value)
}

function keyOf (text: string | null): Buffer | null {
  return text === null || isMissingText(text) ? null : Buffer.from(text.trim())
}

/** Fields as one CSV line: a field holding the delimiter, the quote or a line break is quoted. */
export function csvLine (fields: string[], delimiter: string, quote: string): string {
  return fields.map(f => f.includes(delimiter) || f.includes(quote) || f.includes('\n') || f.includes('\r')
    ? quote + f.split(quote).join(quote + quote) + quote
    : f).join(delimiter)
}
