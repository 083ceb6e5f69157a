// The validation hold-out of a training topic: a record is held out when a hash of its position
// (partition, offset) and the run's seed falls below the fraction. A hash, not a draw from a
// stream of random numbers, so that the answer for a record never depends on which records were
// read before it: every epoch, re-read or cached, and every run with the same seed holds out the
// same rows, and a shuffle buffer upstream cannot move a row across the line.

export interface HoldoutOptions {
  /** Share of the records held out, 0 (none) to 1. */
  fraction: number
  seed: number
}

/** A predicate: true for the records that belong to the validation set. */
export function holdout (options: HoldoutOptions): (record: { partition: number, offset: bigint }) => boolean {
  const { fraction, seed } = options
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`validation fraction must be at least 0 and below 1, got ${fraction}`)
  // Compared as a 32-bit unsigned integer: exact, and a fraction of 0 holds out nothing.
  const cut = Math.floor(fraction * 2 ** 32)
  return record => positionHash(record.partition, record.offset, seed) < cut
}

/** A well-mixed 32-bit hash of (partition, offset, seed): murmur3's finaliser over each word. */
export function positionHash (partition: number, offset: bigint, seed: number): number {
  let h = mix(seed ^ 0x2545f491)
  h = mix(h ^ Number(offset & 0xffffffffn))
  h = mix(h ^ Number((offset >> 32n) & 0xffffffffn))
  h = mix(h ^ partition)
  return h >>> 0
}

function mix (x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}
