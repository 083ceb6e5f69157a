// A new model's warm-up: over its lineage's first rows it fits each step more epochs. A model that
// has seen a few hundred rows is still far from what it will know, and every row it scores
// meanwhile counts (prequential accuracy, the predictions users read). The warm-up depends only
// on the lineage's row count, saved with each version, so a run resumed from a version warms up
// exactly as the uninterrupted run would have.
import { UsageError } from '../errors.js'

/** A young lineage's training: at least `epochs` per step while it has learnt fewer than `rows` rows. */
export interface WarmupSettings {
  rows: number
  epochs: number
}

/** Epochs for the next step: the run's, or the warm-up's while the lineage has learnt fewer than its rows. */
export function warmupEpochs (epochs: number, lineageRows: number, warmup?: WarmupSettings): number {
  return warmup !== undefined && lineageRows < warmup.rows ? Math.max(epochs, warmup.epochs) : epochs
}

/** Parses `--warmup ROWS,EPOCHS` ("1000,6"); "0" is no warm-up. */
export function parseWarmup (text: string): WarmupSettings {
  if (text.trim() === '0') return { rows: 0, epochs: 1 }
  const parts = text.split(',').map(p => Number(p.trim()))
  const [rows, epochs] = parts
  if (parts.length !== 2 || !Number.isInteger(rows) || rows < 0 || !Number.isInteger(epochs) || epochs < 1) {
    throw new UsageError(`--warmup expects ROWS,EPOCHS (whole numbers, rows ≥ 0, epochs ≥ 1; e.g. 1000,6) or 0; got "${text}"`)
  }
  return { rows, epochs }
}

/** The `--warmup` text of `w`. */
export function formatWarmup (w: WarmupSettings): string {
  return w.rows === 0 ? '0' : `${w.rows},${w.epochs}`
}
