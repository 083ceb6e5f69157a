// The first rows of a data file as columns of values: what `streamfit init` infers a spec from.
// CSV cells stay text (missing-value texts become null); JSON objects are flattened into dotted
// field paths ("payer.country"), JSON null and absent fields are missing.
import { isMissingText } from '../data/value-text.js'
import { headerNames, looksLikeHeader } from '../data/csv-sniff.js'
import { isRowError, openTable, unreadable, type CsvRow, type JsonRow, type RowError } from '../data/read-table.js'
import type { Cell, Sample, SampledColumn } from './infer.js'

export const DEFAULT_SAMPLE_ROWS = 10_000

export interface SampleResult {
  sample: Sample
  /** Rows left out of the sample because they could not be read, or had the wrong width. */
  skipped: RowError[]
}

export async function sampleData (source: string, rows = DEFAULT_SAMPLE_ROWS): Promise<SampleResult> {
  try {
    return await sample(source, rows)
  } catch (error) {
    throw unreadable(source, error)
  }
}

async function sample (source: string, rows: number): Promise<SampleResult> {
  const table = await openTable(source)
  const skipped: RowError[] = []
  if (table.kind === 'json') {
    const objects: JsonRow[] = []
    for await (const row of table.rows) {
      if (isRowError(row)) { skipped.push(row); continue }
      objects.push(row)
      if (objects.length >= rows) break
    }
    return { sample: jsonSample(objects), skipped }
  }
  const raw: CsvRow[] = []
  for await (const row of table.rows) {
    if (isRowError(row)) { skipped.push(row); continue }
    raw.push(row)
    if (raw.length > rows) break // one more: the first may be a header
  }
  const header = looksLikeHeader(raw.slice(0, 200).map(r => r.fields))
  const data = header ? raw.slice(1, rows + 1) : raw.slice(0, rows)
  const width = header ? raw[0]!.fields.length : commonest(data.map(r => r.fields.length))
  const names = header ? headerNames(raw[0]!.fields) : Array.from({ length: width }, (_, i) => `column${i}`)
  const good = data.filter(r => {
    if (r.fields.length === width) return true
    skipped.push({ line: r.line, reason: `expected ${width} columns, got ${r.fields.length}` })
    return false
  })
  const columns: SampledColumn[] = names.map((name, c) => ({ name, cells: good.map(r => cellOfText(r.fields[c]!)) }))
  return {
    sample: { format: { type: 'csv', delimiter: table.delimiter, quote: '"', columns: names }, header, rows: good.length, columns },
    skipped
  }
}

function cellOfText (text: string): Cell {
  return isMissingText(text) ? null : text
}

function commonest (values: number[]): number {
  const counts = new Map<number, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? 0
}

function jsonSample (rows: JsonRow[]): Sample {
  const columns = new Map<string, SampledColumn>()
  rows.forEach((row, r) => {
    for (const [path, value] of flatten(row.object, '')) {
      let column = columns.get(path)
      if (column === undefined) {
        column = { name: path, cells: new Array<Cell>(rows.length).fill(null) }
        columns.set(path, column)
      }
      if (Array.isArray(value) || (value !== null && typeof value === 'object')) column.nested = true
      else if (value === null || value === undefined || (typeof value === 'string' && isMissingText(value))) column.cells[r] = null
      else column.cells[r] = value as Cell
    }
  })
  return { format: { type: 'json' }, header: false, rows: rows.length, columns: [...columns.values()] }
}

/** [path, value] of every leaf; an array or an empty object is a leaf (and a nested one). */
function * flatten (object: Record<string, unknown>, prefix: string): Generator<[string, unknown]> {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix === '' ? key : `${prefix}.${key}`
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) yield * flatten(value as Record<string, unknown>, path)
    else yield [path, value]
  }
}
