import { Observable, type MonoTypeOperatorFunction } from 'rxjs'
import { mixSeed, seededRandom } from '../random.js'

/** Settings of {@link shuffle}. */
export interface ShuffleOptions {
  /**
   * A new order on every subscription (every epoch), still reproducible from the seed, like
   * tf.data's `reshuffle_each_iteration=True`. When false, every subscription gets the same order.
   */
  reshuffleEachIteration?: boolean
}

const DEFAULTS: Required<ShuffleOptions> = { reshuffleEachIteration: true }

/**
 * The tf.data shuffle buffer: fills a buffer of `bufferSize` elements, then for every new input
 * emits a uniformly chosen buffered element and puts the input in its place; at completion it
 * drains the buffer in random order. An element read as input i is emitted at output position
 * >= i - bufferSize + 1; `bufferSize` 1 keeps the order. Memory: `bufferSize` elements.
 *
 * @example
 * fromPartition({ topic: 'susy-train' }).pipe(shuffle(64, 42), decodeCsv(), batch(64))
 */
export function shuffle<T> (bufferSize: number, seed?: number, options: ShuffleOptions = {}): MonoTypeOperatorFunction<T> {
  if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new RangeError(`shuffle: bufferSize must be a positive integer, got ${bufferSize}`)
  const { reshuffleEachIteration } = { ...DEFAULTS, ...options }
  const baseSeed = seed ?? Math.floor(Math.random() * 2 ** 32)
  let iteration = 0

  return source => new Observable<T>(subscriber => {
    const random = seededRandom(reshuffleEachIteration ? mixSeed(baseSeed, iteration++) : baseSeed)
    let buffer: T[] = []

    const subscription = source.subscribe({
      next (value) {
        if (buffer.length < bufferSize) { buffer.push(value); return }
        const i = Math.floor(random() * bufferSize)
        const out = buffer[i]
        buffer[i] = value
        subscriber.next(out)
      },
      error: err => subscriber.error(err),
      complete () {
        // Drain: pick at random, fill the hole with the last element.
        while (buffer.length > 0 && !subscriber.closed) {
          const i = Math.floor(random() * buffer.length)
          const out = buffer[i]
          const last = buffer.pop() as T
          if (i < buffer.length) buffer[i] = last
          subscriber.next(out)
        }
        subscriber.complete()
      }
    })
    return () => {
      subscription.unsubscribe()
      buffer = [] // release buffered elements
    }
  })
}
