// Time spent with work in hand: a batch counts from when it is formed until it is committed, and
// overlapping batches (pipelined decode, predict and write) count once. The gaps while a trickling
// input has nothing to process are not busy, so a rate over this time is the processing speed.
export class BusyClock {
  private inFlight = 0
  private since = 0
  private total = 0

  /** A batch was formed and is on its way to the sink. */
  start (now = performance.now()): void {
    if (this.inFlight++ === 0) this.since = now
  }

  /** `n` batches left the pipeline (committed). */
  stop (n = 1, now = performance.now()): void {
    if (this.inFlight === 0) return
    this.inFlight = Math.max(0, this.inFlight - n)
    if (this.inFlight === 0) this.total += now - this.since
  }

  /** An attempt was abandoned: the batches it held will never commit; their time so far counts. */
  drop (now = performance.now()): void {
    if (this.inFlight > 0) this.total += now - this.since
    this.inFlight = 0
  }

  /** Busy milliseconds so far, an open interval included up to `now`. */
  ms (now = performance.now()): number {
    return this.total + (this.inFlight > 0 ? now - this.since : 0)
  }
}
