// The rows both systems read. streamfit's loader splits a file with its seeded shuffle
// (src/data/split.ts); the tutorial's script splits by file order (first 60% train). So for each
// data set we write the file once more in the order "streamfit's train rows, then its test rows":
// fed to the tutorial's loader, it puts exactly the same rows, in the same order, into each topic.
// The test rows alone also go to a file, for `streamfit evaluate` (accuracy/AUC on the same rows
// tensorflow-io's score stage evaluates).
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { shuffledSplit, testCount } from '../../src/data/split.js'

export const SPLIT_SEED = 42
export const TEST_FRACTION = 0.4

export interface Dataset {
  /** Short name used in topic names and tables, e.g. "susy-8k" or "synthetic-100k". */
  name: string
  /** Where the rows come from, for the report. */
  origin: string
  /** The file streamfit loads (with --seed SPLIT_SEED). */
  csv: string
  /** The same rows in split order, for the tutorial's loader. */
  tfioCsv: string
  /** streamfit's test rows, for `streamfit evaluate`. */
  testCsv: string
  rows: number
  trainRows: number
  testRows: number
}

/** Writes the split-ordered and test-only files next to `workDir` (once per source file). */
export function prepareDataset (name: string, origin: string, csv: string, workDir: string): Dataset {
  const lines = readFileSync(csv, 'utf8').split('\n').filter(line => line.trim() !== '')
  const n = lines.length
  const k = testCount(n, TEST_FRACTION)
  // The tutorial's loader takes round(n × fraction) test rows from the end of the file.
  if (Math.round(n * TEST_FRACTION) !== k) throw new Error(`${csv}: ${n} rows split differently by the two loaders; pick another size`)
  const tfioCsv = join(workDir, `${name}.split-order.csv`)
  const testCsv = join(workDir, `${name}.test.csv`)
  const stamp = `${basename(csv)}:${n}:${SPLIT_SEED}`
  if (!existsSync(`${tfioCsv}.stamp`) || readFileSync(`${tfioCsv}.stamp`, 'utf8') !== stamp) {
    const split = shuffledSplit(n, TEST_FRACTION, SPLIT_SEED)
    const pick = (indexes: Uint32Array): string => Array.from(indexes, i => lines[i]).join('\n') + '\n'
    const test = pick(split.test)
    writeFileSync(tfioCsv, pick(split.train) + test)
    writeFileSync(testCsv, test)
    writeFileSync(`${tfioCsv}.stamp`, stamp)
  }
  return { name, origin, csv, tfioCsv, testCsv, rows: n, trainRows: n - k, testRows: k }
}
