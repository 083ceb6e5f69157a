// The seeded train/test split: like scikit-learn's train_test_split(shuffle=True), which the
// tutorial uses, the test set gets ceil(n × fraction) rows and the train set the rest.
import { seededRandom } from '../random.js'

/** Rows that go to the test set out of n. */
export function testCount (n: number, fraction: number): number {
  // The epsilon keeps 8000 × 0.4 from rounding up to 3201 through floating-point noise.
  return Math.min(n, Math.ceil(n * fraction - 1e-9))
}

/** A train/test split, as row indexes. */
export interface Split {
  /** Row indexes of the test set, in shuffled order. */
  test: Uint32Array
  /** Row indexes of the train set, in shuffled order. */
  train: Uint32Array
}

/** A seeded permutation of 0..n-1 cut in two: the same seed gives the same split. */
export function shuffledSplit (n: number, fraction: number, seed: number): Split {
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  const random = seededRandom(seed)
  for (let i = n - 1; i > 0; i--) { // Fisher–Yates
    const j = Math.floor(random() * (i + 1))
    const t = order[i]; order[i] = order[j]; order[j] = t
  }
  const k = testCount(n, fraction)
  return { test: order.subarray(0, k), train: order.subarray(k) }
}

/**
 * For rows that arrive one by one with n known (generated rows): answers, for each row in turn,
 * whether it goes to the test set, so that exactly testCount(n, fraction) of the n do, every
 * subset equally likely (Knuth's selection sampling, TAOCP vol. 2, Algorithm S).
 */
export function streamingSplit (n: number, fraction: number, seed: number): () => boolean {
  const random = seededRandom(seed)
  let needed = testCount(n, fraction)
  let left = n
  return () => {
    const pick = left > 0 && random() * left < needed
    left--
    if (pick) needed--
    return pick
  }
}
