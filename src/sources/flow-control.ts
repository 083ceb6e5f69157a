// A bounded handoff between a Kafka source and a slow asynchronous consumer.
//
// RxJS pushes: `subscriber.next()` returns as soon as the record is handed over, and operators
// such as `concatMap(async ...)` queue whatever arrives while they are busy. A source therefore
// cannot see how much is waiting downstream unless downstream tells it. FlowControl is that
// channel: the source counts the records it hands over, the consumer releases them once done,
// and the source stops emitting and fetching (pauses the Kafka stream) once `highWaterMark`
// records are outstanding, until they drop to `lowWaterMark` (the gap avoids pausing and
// resuming the stream on every record).

/** Records a source may hand over unreleased before it pauses (the default `highWaterMark`). */
export const DEFAULT_HIGH_WATER_MARK = 16_384

/**
 * Credits shared by one source and the consumer at the end of its pipeline.
 *
 * ```ts
 * const flow = new FlowControl(10_000)
 * fromPartition({ topic: 'susy-train', flow }).pipe(
 *   bufferCount(64),
 *   concatMap(async rows => { await trainStep(rows); flow.release(rows.length) })
 * )
 * ```
 *
 * Release every record the source emitted exactly once, including records an operator filtered
 * out or sent to a dead-letter topic; otherwise the source stalls once `highWaterMark` credits
 * have leaked. At most `highWaterMark` records are outstanding at any time.
 */
export class FlowControl {
  readonly highWaterMark: number
  readonly lowWaterMark: number
  #buffered = 0
  #maxBuffered = 0
  #full = false
  #drainListeners = new Set<() => void>()

  /** `lowWaterMark` defaults to half the high-water mark. */
  constructor (highWaterMark = DEFAULT_HIGH_WATER_MARK, lowWaterMark = Math.floor(highWaterMark / 2)) {
    if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
      throw new RangeError(`highWaterMark must be an integer >= 1, got ${highWaterMark}`)
    }
    if (!Number.isInteger(lowWaterMark) || lowWaterMark < 0 || lowWaterMark >= highWaterMark) {
      throw new RangeError(`lowWaterMark must be an integer in [0, highWaterMark), got ${lowWaterMark}`)
    }
    this.highWaterMark = highWaterMark
    this.lowWaterMark = lowWaterMark
  }

  /** Records handed downstream and not yet released. */
  get buffered (): number {
    return this.#buffered
  }

  /** The most records ever outstanding at once: what a memory bound is checked against. */
  get maxBuffered (): number {
    return this.#maxBuffered
  }

  /** True from reaching the high-water mark until drained to the low-water mark: the source waits. */
  get full (): boolean {
    return this.#full
  }

  /** Source side: `n` records were handed downstream. */
  emitted (n: number): void {
    this.#buffered += n
    if (this.#buffered > this.#maxBuffered) this.#maxBuffered = this.#buffered
    if (this.#buffered >= this.highWaterMark) this.#full = true
  }

  /** Consumer side: `n` records are finished with and their memory may be reused. */
  release (n = 1): void {
    if (n > this.#buffered) {
      throw new RangeError(`released ${n} records but only ${this.#buffered} are outstanding`)
    }
    this.#buffered -= n
    if (this.#full && this.#buffered <= this.lowWaterMark) {
      this.#full = false
      for (const listener of [...this.#drainListeners]) listener()
    }
  }

  /** Calls `listener` each time a full buffer has drained to the low-water mark; returns the unsubscribe. */
  onDrain (listener: () => void): () => void {
    this.#drainListeners.add(listener)
    return () => { this.#drainListeners.delete(listener) }
  }

  /**
   * Resolves at once when there is room, else on the next drain, or when `signal` aborts (a
   * source torn down while it waits: the caller checks whether it is closed).
   */
  whenReady (signal?: AbortSignal): Promise<void> {
    if (!this.full || signal?.aborted === true) return Promise.resolve()
    return new Promise(resolve => {
      const done = (): void => { off(); signal?.removeEventListener('abort', done); resolve() }
      const off = this.onDrain(done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }
}
