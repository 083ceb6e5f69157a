import { Observable, type OperatorFunction } from 'rxjs'
import type { Example } from './decode-csv.js'

/** A batch as flat float32 arrays, ready for a tensor: row i is xs[i*features .. (i+1)*features). */
export interface ArrayBatch {
  /** n × features values, row-major. */
  xs: Float32Array
  /** n labels; NaN where an example has no label. */
  ys: Float32Array
  n: number
  features: number
  /** The examples of the batch, in row order (for their records' offsets, keys, ...). */
  examples: readonly Example[]
}

/** Settings of {@link toArrays}. */
export interface ToArraysOptions {
  /**
   * Reuse output buffers instead of allocating a pair per batch. `true` keeps a pool of 2;
   * a number sets the pool size. With a pool of k, an emitted batch's xs/ys are overwritten by
   * the k-th batch after it: copy them (tf.tensor does) or finish with them before then.
   * A buffer that was transferred away (postMessage) is replaced, not reused.
   * Default false: every batch gets fresh arrays that the subscriber may keep.
   */
  reuse?: boolean | number
}

const DEFAULTS = { reuse: false as boolean | number }

/**
 * Packs each batch of examples into one `xs` and one `ys` Float32Array. The per-record work is
 * copying 18 floats; allocation is per batch, or none at all with `reuse`.
 *
 * @example
 * examples$.pipe(batch(64), toArrays({ reuse: true })).subscribe(({ xs, ys, n }) => {
 *   const x = tf.tensor2d(xs, [n, 18]) // copies, so reuse is safe here
 * })
 */
export function toArrays (options: ToArraysOptions = {}): OperatorFunction<readonly Example[], ArrayBatch> {
  const { reuse } = { ...DEFAULTS, ...options }
  const poolSize = reuse === true ? 2 : reuse === false ? 0 : reuse
  if (!Number.isInteger(poolSize) || poolSize < 0) throw new RangeError(`toArrays: reuse must be a boolean or a positive integer, got ${reuse}`)

  return source => new Observable<ArrayBatch>(subscriber => {
    let pool: Array<{ xs: Float32Array; ys: Float32Array }> = []
    let turn = 0

    const buffers = (n: number, width: number): { xs: Float32Array; ys: Float32Array } => {
      if (poolSize === 0) return { xs: new Float32Array(n * width), ys: new Float32Array(n) }
      const slot = turn++ % poolSize
      let entry = pool[slot]
      // Grow to the largest batch seen; replace buffers that were transferred (byteLength 0).
      if (entry === undefined || entry.ys.length < n || entry.xs.length < n * width || entry.xs.byteLength === 0 || entry.ys.byteLength === 0) {
        entry = pool[slot] = { xs: new Float32Array(n * width), ys: new Float32Array(n) }
      }
      return entry.ys.length === n && entry.xs.length === n * width
        ? entry
        : { xs: entry.xs.subarray(0, n * width), ys: entry.ys.subarray(0, n) }
    }

    const subscription = source.subscribe({
      next (examples) {
        const n = examples.length
        if (n === 0) return // batch() never emits empty arrays; nothing to pack
        const width = examples[0].features.length
        const { xs, ys } = buffers(n, width)
        for (let i = 0; i < n; i++) {
          const ex = examples[i]
          if (ex.features.length !== width) {
            subscriber.error(new RangeError(`toArrays: example ${i} has ${ex.features.length} features, the batch has ${width}`))
            return
          }
          xs.set(ex.features, i * width)
          ys[i] = ex.label ?? NaN
        }
        subscriber.next({ xs, ys, n, features: width, examples })
      },
      error: err => subscriber.error(err),
      complete: () => subscriber.complete()
    })
    return () => {
      subscription.unsubscribe()
      pool = [] // release the buffers
    }
  })
}
