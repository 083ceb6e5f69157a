// Cuts a data file into the train and test rows streamfit's loader would send to its two topics,
// so the scikit-learn baseline (baseline.py) fits and scores exactly those rows.
// The cut is src/data/split.ts's shuffledSplit over the data rows (a CSV header excluded), the
// rows of each part written in the split's shuffled order, as the loader produces them.
//
// Usage: node dist/bench/datasets/split-file.js FILE OUTDIR [--fraction 0.25] [--seed 42]
//          [--skip-missing LABEL]
//   FILE     .csv (first line a header), .jsonl (one JSON object per line), either optionally .gz
//   OUTDIR   gets NAME.train.EXT and NAME.test.EXT, uncompressed, same format (CSV with the header)
//   --skip-missing LABEL  drop rows whose LABEL is empty/null/absent before splitting (for a loader
//            that skips bad rows before it splits, as the SUSY loader does); off by default
// Prints one JSON line: the row counts and the files written.
// One record per line: a CSV field holding a quoted line break is refused rather than mis-cut.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import { shuffledSplit } from '../../src/data/split.js'

export interface FileSplit {
  header: string | null
  train: string[]
  test: string[]
  /** Rows dropped by skipMissing, before the split. */
  skipped: number
}

/** Reads a file's lines: a CSV header apart, data rows in file order. */
export function readRows (file: string): { header: string | null, rows: string[], jsonl: boolean } {
  const bytes = readFileSync(file)
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  const jsonl = /\.jsonl(\.gz)?$/.test(file)
  if (!jsonl && !/\.csv(\.gz)?$/.test(file)) throw new Error(`${file}: expected .csv, .jsonl (optionally .gz)`)
  const header = jsonl ? null : lines.shift() ?? ''
  return { header, rows: lines, jsonl }
}

/** Whether a row's label is missing: an empty CSV cell, or a null or absent JSON field. */
function labelMissing (row: string, label: string, header: string | null): boolean {
  if (header === null) {
    const value = (JSON.parse(row) as Record<string, unknown>)[label]
    return value === null || value === undefined || value === ''
  }
  const names = (parse(header) as string[][])[0]
  const at = names.indexOf(label)
  if (at < 0) throw new Error(`no column ${label} in the header`)
  const cells = (parse(row, { relax_column_count: true }) as string[][])[0] ?? []
  return (cells[at] ?? '').trim() === ''
}

export function splitFile (file: string, fraction: number, seed: number, skipMissing?: string): FileSplit {
  const { header, rows: all } = readRows(file)
  const rows = skipMissing === undefined ? all : all.filter(row => !labelMissing(row, skipMissing, header))
  if (rows.length === 0) throw new Error(`${file}: no data rows`)
  if (header !== null) {
    for (const row of rows) if ((row.match(/"/g)?.length ?? 0) % 2 === 1) throw new Error(`${file}: a quoted field spans lines; this helper cuts by line`)
  }
  const split = shuffledSplit(rows.length, fraction, seed)
  const pick = (indexes: Uint32Array): string[] => Array.from(indexes, i => rows[i])
  return { header, train: pick(split.train), test: pick(split.test), skipped: all.length - rows.length }
}

function main (): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      fraction: { type: 'string', default: '0.25' },
      seed: { type: 'string', default: '42' },
      'skip-missing': { type: 'string' }
    }
  })
  const [file, outDir] = positionals
  if (file === undefined || outDir === undefined) throw new Error('usage: split-file.js FILE OUTDIR [--fraction F] [--seed S] [--skip-missing LABEL]')
  const fraction = Number(values.fraction)
  const seed = Number(values.seed)
  const parts = splitFile(file, fraction, seed, values['skip-missing'])
  const ext = /\.jsonl(\.gz)?$/.test(file) ? 'jsonl' : 'csv'
  const name = basename(file).replace(/\.(csv|jsonl)(\.gz)?$/, '')
  mkdirSync(outDir, { recursive: true })
  const write = (part: 'train' | 'test'): string => {
    const path = join(outDir, `${name}.${part}.${ext}`)
    const lines = parts.header === null ? parts[part] : [parts.header, ...parts[part]]
    writeFileSync(path, lines.join('\n') + '\n')
    return path
  }
  const train = write('train')
  const test = write('test')
  console.log(JSON.stringify({ file, fraction, seed, rows: parts.train.length + parts.test.length, train: parts.train.length, test: parts.test.length, skipped: parts.skipped, trainFile: train, testFile: test }))
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(basename(process.argv[1]))) main()
