// A new model's fast start: over its lineage's first rows it learns in smaller steps at a higher
// learning rate. A randomly initialised network scores its first rows no better than chance, and
// steps of 16 or 32 rows at the run's rate leave it there for a hundred rows or more, where a
// linear model learning row by row is already good (bench/drift's SEA: 0.74–0.79 over the first
// 300 rows against River's logistic regression's 0.84). Like the warm-up it depends only on the
// lineage's row count, and its rate applies to each fit alone (the optimizer keeps the run's
// rate, which is what a version saves), so a run resumed from a version mid-start starts as fast,
// for as many rows, as the uninterrupted run.
import { UsageError } from '../errors.js'

/** While the lineage has learnt fewer than `rows` rows: steps of `step` rows, fitted at `rateFactor` × the run's rate. */
export interface FastStartSettings {
  rows: number
  step: number
  rateFactor: number
}

/** No fast start. */
export const NO_FAST_START: FastStartSettings = { rows: 0, step: 1, rateFactor: 1 }

/** Whether a lineage that has learnt `lineageRows` rows is still starting. */
export function starting (lineageRows: number, fast?: FastStartSettings): fast is FastStartSettings {
  return fast !== undefined && lineageRows < fast.rows
}

/** Rows in the next step: the run's step, or the fast start's while starting (never past its end). */
export function startStep (step: number, lineageRows: number, fast?: FastStartSettings): number {
  if (!starting(lineageRows, fast)) return step
  return Math.min(fast.step, fast.rows - lineageRows)
}

/** The factor on the learning rate for the next fit: 1, or the fast start's while starting. */
export function startRateFactor (lineageRows: number, fast?: FastStartSettings): number {
  return starting(lineageRows, fast) ? fast.rateFactor : 1
}

/** Parses `--fast-start ROWS,STEP,FACTOR` ("300,4,2"), "0" (none) or "auto". */
export function parseFastStart (text: string): FastStartSettings | 'auto' {
  if (text.trim() === 'auto') return 'auto'
  if (text.trim() === '0') return NO_FAST_START
  const parts = text.split(',').map(p => Number(p.trim()))
  const [rows, step, rateFactor] = parts
  if (parts.length !== 3 || !Number.isInteger(rows) || rows < 0 || !Number.isInteger(step) || step < 1 || !(rateFactor > 0)) {
    throw new UsageError(`--fast-start expects ROWS,STEP,FACTOR (rows ≥ 0 and step ≥ 1 whole numbers, factor > 0; e.g. 300,4,2), 0 or auto; got "${text}"`)
  }
  return { rows, step, rateFactor }
}

/** The `--fast-start` text of `f`. */
export function formatFastStart (f: FastStartSettings | 'auto'): string {
  return f === 'auto' ? 'auto' : f.rows === 0 ? '0' : `${f.rows},${f.step},${f.rateFactor}`
}
