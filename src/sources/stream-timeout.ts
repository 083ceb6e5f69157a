// The tutorial's `stream_timeout`: a group stream ends once no record has arrived for so long.
// Time spent paused by backpressure is not idleness, so the clock stops while paused.

export class StreamTimeout {
  readonly #ms: number
  readonly #onTimeout: () => void
  #lastRecordAt = 0
  #paused = false
  #timer: NodeJS.Timeout | null = null

  /** `ms` < 0 means never: start() then does nothing. */
  constructor (ms: number, onTimeout: () => void) {
    this.#ms = ms
    this.#onTimeout = onTimeout
  }

  start (): void {
    if (this.#ms < 0) return
    this.#lastRecordAt = Date.now()
    this.#arm(this.#ms)
  }

  /** A record arrived: called per record, so it only reads the clock. */
  touch (): void {
    this.#lastRecordAt = Date.now()
  }

  pause (): void {
    this.#paused = true
  }

  resume (): void {
    this.#paused = false
    this.#lastRecordAt = Date.now()
  }

  stop (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  #arm (delay: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = null
      if (this.#paused) return this.#arm(this.#ms)
      const idle = Date.now() - this.#lastRecordAt
      if (idle >= this.#ms) this.#onTimeout()
      else this.#arm(this.#ms - idle)
    }, delay)
  }
}
