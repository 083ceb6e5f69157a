// Reads a tabular file row by row: CSV (any of , ; tab | as the delimiter, quoted fields) or JSON
// lines, plain, gzip or zip, from a path or URL. `init` samples its first rows and `load --spec`
// reads it whole. Rows that cannot be parsed come out as RowErrors in their place, so the caller
// decides whether one stops the run.
import { Readable, pipeline } from 'node:stream'
import { parse } from 'csv-parse'
import { UsageError } from '../errors.js'
import type { RowError } from './parse-row.js'
import { readLines } from './lines.js'
import { openSusyData } from './open-data.js'
import { sniffDelimiter } from './csv-sniff.js'

export type { RowError }

/** One CSV record: its fields as text, and the line it ends on (1-based). */
export interface CsvRow { line: number, fields: string[] }

/** One JSON line: the object, and the line's own text (its trailing \r and blanks cut). */
export interface JsonRow { line: number, object: Record<string, unknown>, text: string }

export type Table =
  | { kind: 'csv', delimiter: string, rows: AsyncGenerator<CsvRow | RowError> }
  | { kind: 'json', rows: AsyncGenerator<JsonRow | RowError> }

export function isRowError (row: CsvRow | JsonRow | RowError): row is RowError {
  return 'reason' in row
}

/** JSON lines by name (.jsonl, .ndjson, .json, gzipped or not), CSV by name; otherwise by the first byte. */
export function kindByName (source: string): 'csv' | 'json' | undefined {
  const name = source.replace(/[?#].*$/, '').toLowerCase().replace(/\.(gz|zip)$/, '')
  if (/\.(jsonl|ndjson|json)$/.test(name)) return 'json'
  if (/\.(csv|tsv|txt|psv)$/.test(name)) return 'csv'
  return undefined
}

const HEAD_BYTES = 64 * 1024

/**
 * Opens `source`; destroy nothing yourself: stopping the row iteration (break) closes the file.
 * `quote` is the CSV quote character (the spec's; '"' by default).
 */
export async function openTable (source: string, { quote = '"' } = {}): Promise<Table> {
  try {
    return await open(source, quote)
  } catch (error) {
    throw unreadable(source, error)
  }
}

/** A failure to read `source` as the one-line error a user sees (a UsageError passes as it is). */
export function unreadable (source: string, error: unknown): Error {
  return error instanceof UsageError ? error : new UsageError(`cannot read ${source}: ${(error as Error).message}`)
}

async function open (source: string, quote: string): Promise<Table> {
  const { head, rest, complete } = await readHead(await openSusyData(source), HEAD_BYTES)
  const text = head.toString('utf8')
  const kind = kindByName(source) ?? (/^\s*\{/.test(text) ? 'json' : 'csv')
  if (kind === 'json') return { kind, rows: jsonRows(rest) }
  const delimiter = sniffDelimiter(text.replace(/^\uFEFF/, ''), quote, complete)
  return { kind, delimiter, rows: csvRows(rest, delimiter, quote) }
}

async function * jsonRows (stream: Readable): AsyncGenerator<JsonRow | RowError> {
  let line = 0
  try {
    for await (const lines of readLines(stream)) {
      for (const bytes of lines) {
        line++
        const text = bytes.toString('utf8').replace(/^\uFEFF/, '').trim()
        if (text === '') continue
        let object: unknown
        try {
          object = JSON.parse(text)
        } catch (error) {
          yield { line, reason: `bad JSON: ${(error as Error).message}` }
          continue
        }
        if (object === null || typeof object !== 'object' || Array.isArray(object)) {
          yield { line, reason: `expected a JSON object, got ${object === null ? 'null' : Array.isArray(object) ? 'an array' : typeof object}` }
          continue
        }
        yield { line, object: object as Record<string, unknown>, text }
      }
    }
  } finally {
    stream.destroy()
  }
}

async function * csvRows (stream: Readable, delimiter: string, quote: string): AsyncGenerator<CsvRow | RowError> {
  // A record csv-parse cannot read (an unclosed quote, a stray one) is skipped by it and
  // reported here in its place, instead of ending the whole read.
  const skipped: RowError[] = []
  const parser = parse({
    delimiter,
    quote,
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error) => { skipped.push({ line: Number(error?.lines ?? 0), reason: error?.message ?? 'unreadable CSV' }); return undefined }
  })
  pipeline(stream, parser, () => {})
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[], info: { lines: number } }>) {
      // csv-parse reads a whole chunk before the first record comes out: errors wait their line.
      while (skipped.length > 0 && skipped[0]!.line <= info.lines) yield skipped.shift()!
      yield { line: info.lines, fields: record }
    }
    while (skipped.length > 0) yield skipped.shift()!
  } finally {
    parser.destroy()
    stream.destroy()
  }
}

/** The first `bytes` (or the whole stream, if shorter), and a stream that still starts with them. */
async function readHead (stream: Readable, bytes: number): Promise<{ head: Buffer, rest: Readable, complete: boolean }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const chunks: Buffer[] = []
  let size = 0
  let complete = false
  while (size < bytes) {
    const next = await iterator.next()
    if (next.done === true) { complete = true; break }
    chunks.push(next.value)
    size += next.value.length
  }
  const rest = Readable.from((async function * () {
    yield * chunks
    if (complete) return
    for (;;) {
      const next = await iterator.next()
      if (next.done === true) return
      yield next.value
    }
  })(), { objectMode: false })
  rest.on('close', () => stream.destroy())
  return { head: Buffer.concat(chunks), rest, complete }
}
