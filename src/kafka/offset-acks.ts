// The second half of the offsets module (see offsets.ts): acknowledgements that may arrive out
// of order become commits in order. A batch's offsets are committed only once it and every batch
// emitted before it are acknowledged, so a crash never skips an unacknowledged batch.
import type { Consumer } from '@platformatic/kafka'
import { commitRecords, type RecordPosition } from './offsets.js'

interface Settle { resolve: () => void, reject: (e: Error) => void }

interface Entry {
  records: readonly RecordPosition[]
  acked: boolean
  settle: Settle[]
}

/** What `track` returns: acknowledge the batch; resolves once its offsets are committed. */
export type Ack = () => Promise<void>

/**
 * Commits acknowledged batches for `consumer`'s group as a contiguous prefix of the order they
 * were tracked in, one commit at a time (so committed offsets only move forward).
 */
export class AckQueue {
  #consumer: Consumer
  #inFlight: Entry[] = []
  #committing: Promise<void> | null = null
  #onAck: (records: number) => void

  /** `onAck(n)` is told, once per batch, how many records its acknowledgement releases. */
  constructor (consumer: Consumer, onAck: (records: number) => void = () => {}) {
    this.#consumer = consumer
    this.#onAck = onAck
  }

  /** Registers a batch, in emission order; returns its acknowledgement. */
  track (records: readonly RecordPosition[]): Ack {
    const entry: Entry = { records, acked: false, settle: [] }
    this.#inFlight.push(entry)
    return () => this.#ack(entry)
  }

  /** Resolves once no commit is under way (acknowledged batches get their commit before a close). */
  async idle (): Promise<void> {
    while (this.#committing !== null) await this.#committing
  }

  #ack (entry: Entry): Promise<void> {
    if (!entry.acked) {
      entry.acked = true
      this.#onAck(entry.records.length)
    }
    return new Promise<void>((resolve, reject) => {
      if (!this.#inFlight.includes(entry)) return resolve() // already committed
      entry.settle.push({ resolve, reject })
      this.#commitPrefix()
    })
  }

  #commitPrefix (): void {
    if (this.#committing !== null) return
    let n = 0
    while (n < this.#inFlight.length && this.#inFlight[n]!.acked) n++
    if (n === 0) return
    const done = this.#inFlight.splice(0, n)
    this.#committing = commitRecords(this.#consumer, done.flatMap(e => e.records)).then(() => {
      for (const e of done) for (const s of e.settle) s.resolve()
    }, (error: Error) => {
      const reason = new Error(`committing acknowledged offsets failed: ${error.message}`, { cause: error })
      for (const e of done) for (const s of e.settle) s.reject(reason)
    }).finally(() => {
      this.#committing = null
      this.#commitPrefix()
    })
  }
}
