// The input a model version has learnt from, as offset ranges per partition. A version stores
// the ranges consumed since its parent version plus the next offset per partition, so the chain of
// versions of one trainer tiles each partition: no record trained twice, none skipped, and
// anyone can check it (test/integration/online-resume.test.ts does) without trusting the trainer's counters.
import type { ConsumedRecord } from '../record.js'

/** Offsets [from, to) of one partition consumed for one version; `to` is the next offset to read. */
export interface ConsumedRange {
  partition: number
  /** First offset of the range (the position the trainer resumed from or reached before). */
  from: string
  /** Next offset to read after the range (last consumed offset + 1). */
  to: string
  /** Records in the range that the model trained on. */
  rows: number
  /** Records in the range that could not be decoded and went to the dead-letter topic. */
  deadLettered: number
}

/**
 * Tracks positions and the ranges consumed since the last save.
 *
 * ```ts
 * const consumed = new ConsumedOffsets([0n])      // resume positions
 * consumed.add(batch, p => ({ rows: trained.get(p) ?? 0, deadLettered: bad.get(p) ?? 0 }))
 * const lineage = { ..., positions: consumed.positions.map(String), ranges: consumed.take() }
 * ```
 */
export class ConsumedOffsets {
  readonly #positions: bigint[]
  #ranges = new Map<number, { from: bigint, to: bigint, rows: number, deadLettered: number }>()

  /** `start[p]` is the next offset to read in partition p. */
  constructor (start: readonly bigint[]) {
    this.#positions = [...start]
  }

  /**
   * Adds one mini-batch: `records` were read (all of them, in offset order per partition);
   * `counts(partition)` says how many of that partition's were trained on and dead-lettered.
   */
  add (records: readonly ConsumedRecord[], counts: (partition: number) => { rows: number, deadLettered: number }): void {
    const first = new Map<number, bigint>()
    const last = new Map<number, bigint>()
    for (const r of records) {
      const low = first.get(r.partition)
      if (low === undefined || r.offset < low) first.set(r.partition, r.offset)
      const high = last.get(r.partition)
      if (high === undefined || r.offset > high) last.set(r.partition, r.offset)
    }
    for (const [partition, lastOffset] of last) {
      const position = this.#positions[partition] ?? 0n
      const firstOffset = first.get(partition) as bigint
      if (firstOffset < position) {
        // The source went back behind what this model has learnt: training would count rows twice.
        throw new Error(`partition ${partition}: got offset ${firstOffset} but the model has consumed up to ${position}: refusing to train twice`)
      }
      const next = lastOffset + 1n
      const { rows, deadLettered } = counts(partition)
      const range = this.#ranges.get(partition)
      if (range === undefined) this.#ranges.set(partition, { from: position, to: next, rows, deadLettered })
      else { range.to = next; range.rows += rows; range.deadLettered += deadLettered }
      this.#positions[partition] = next
    }
  }

  /** Next offset to read per partition (index = partition). */
  get positions (): readonly bigint[] {
    return this.#positions
  }

  /** True when something was consumed since the last `take()`. */
  get pending (): boolean {
    return this.#ranges.size > 0
  }

  /** The ranges consumed since the last call, sorted by partition; starts a new set. */
  take (): ConsumedRange[] {
    const ranges = [...this.#ranges].sort(([a], [b]) => a - b).map(([partition, r]) => ({
      partition, from: r.from.toString(), to: r.to.toString(), rows: r.rows, deadLettered: r.deadLettered
    }))
    this.#ranges = new Map()
    return ranges
  }
}

/** Rows per partition (for ConsumedOffsets.add's counts). */
export function countByPartition (items: Array<{ record: { partition: number } }>): Map<number, number> {
  const counts = new Map<number, number>()
  for (const { record } of items) counts.set(record.partition, (counts.get(record.partition) ?? 0) + 1)
  return counts
}
