// fromGroupBatches: one mini-batch per poll for online learning (the tutorial's
// KafkaBatchIODataset), whose offsets are committed only once the batch is acknowledged.
import { Observable } from 'rxjs'
import type { KafkaRecord } from '../record.js'
import { toKafkaRecord } from '../record.js'
import { nextOffsets } from './group-consumer.js'
import { closeGroupStream, groupConsumerFor, subscribeGroupStream, validateGroupOptions, type GroupMessagesStream, type GroupSourceOptions } from './group-stream.js'
import { StreamTimeout } from './stream-timeout.js'

/** The records of one poll. `ack()` commits them (see fromGroupBatches for the order rule). */
export interface RecordBatch extends Array<KafkaRecord> {
  ack(): Promise<void>
}

export interface FromGroupBatchesOptions extends GroupSourceOptions {
  /** Complete after this many ms without a new record; -1 (default) waits forever. */
  streamTimeout?: number
  /** Largest mini-batch (default 1024); a bigger poll is split. */
  maxRecords?: number
  /** Fetching pauses while this many emitted records are unacknowledged (default 2 × maxRecords). */
  highWaterMark?: number
}

export const fromGroupBatchesDefaults = { streamTimeout: -1, maxRecords: 1024 }

/**
 * Emits the records of each poll of `topics` (as member of `groupId`) as one array, at most
 * `maxRecords` long. Offsets are committed only when a batch is acknowledged, and only as a
 * contiguous prefix: `ack()` resolves once this batch and every batch emitted before it have
 * been acknowledged and committed, so a crash never skips an unacknowledged batch. Fetching
 * pauses while `highWaterMark` records are waiting for their ack. Acknowledge before
 * unsubscribing: after the source closes its own consumer, `ack()` rejects and those records
 * are read again by the next run.
 *
 * ```ts
 * fromGroupBatches({ topics: ['susy-train'], groupId: 'cgonline' }).pipe(
 *   concatMap(async batch => { await fitOnline(batch); await batch.ack() })
 * )
 * ```
 */
export function fromGroupBatches (options: FromGroupBatchesOptions): Observable<RecordBatch> {
  const streamTimeout = options.streamTimeout ?? fromGroupBatchesDefaults.streamTimeout
  const maxRecords = options.maxRecords ?? fromGroupBatchesDefaults.maxRecords
  validateGroupOptions('fromGroupBatches', options, streamTimeout)
  if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new RangeError(`fromGroupBatches: maxRecords must be an integer >= 1, got ${maxRecords}`)
  const highWaterMark = options.highWaterMark ?? 2 * maxRecords
  if (!Number.isInteger(highWaterMark) || highWaterMark < 1) throw new RangeError(`fromGroupBatches: highWaterMark must be an integer >= 1, got ${highWaterMark}`)
  const { topics } = options

  return new Observable<RecordBatch>(subscriber => {
    // The platformatic buffer is sized to one batch; our own bound is on unacknowledged records.
    const { consumer, owned } = groupConsumerFor({ ...options, highWaterMark: maxRecords }, 'batches')
    let stream: GroupMessagesStream | undefined
    let closed = false
    let pending: KafkaRecord[] = []
    let pumping = false
    let unacked = 0
    // Emitted batches in order, until they are part of a committed prefix.
    const inFlight: Array<{ records: KafkaRecord[], acked: boolean, settle: Array<{ resolve: () => void, reject: (e: Error) => void }> }> = []
    let committing: Promise<void> | null = null
    const timeout = new StreamTimeout(streamTimeout, () => {
      flush()
      subscriber.complete()
    })

    const flush = (): void => {
      if (pending.length === 0 || closed) return
      const records = pending
      pending = []
      const entry = { records, acked: false, settle: [] as Array<{ resolve: () => void, reject: (e: Error) => void }> }
      inFlight.push(entry)
      unacked += records.length
      const batch = records as RecordBatch
      Object.defineProperty(batch, 'ack', { enumerable: false, value: () => ack(entry) })
      subscriber.next(batch)
    }

    const ack = (entry: typeof inFlight[number]): Promise<void> => {
      if (!entry.acked) {
        entry.acked = true
        unacked -= entry.records.length
        if (unacked < highWaterMark) {
          timeout.resume()
          pump()
        }
      }
      return new Promise<void>((resolve, reject) => {
        if (!inFlight.includes(entry)) return resolve() // already committed
        entry.settle.push({ resolve, reject })
        commitPrefix()
      })
    }

    // Commits the acknowledged prefix of inFlight; one commit at a time keeps offsets monotonic.
    const commitPrefix = (): void => {
      if (committing !== null) return
      let n = 0
      while (n < inFlight.length && inFlight[n].acked) n++
      if (n === 0) return
      const done = inFlight.splice(0, n)
      committing = consumer.commit({ offsets: nextOffsets(done.flatMap(e => e.records)) }).then(() => {
        for (const e of done) for (const s of e.settle) s.resolve()
      }, (error: Error) => {
        const reason = new Error(`fromGroupBatches: committing acknowledged offsets failed: ${error.message}`, { cause: error })
        for (const e of done) for (const s of e.settle) s.reject(reason)
      }).finally(() => {
        committing = null
        commitPrefix()
      })
    }

    // Paused-mode reading (see fromGroup): the stream refills its buffer only as we read() it.
    // A 'readable' event comes after a whole fetch response was pushed, so reading until the
    // buffer is empty takes one poll; it is cut at maxRecords and whenever the unacknowledged
    // records reach the high-water mark.
    const pump = (): void => {
      if (stream === undefined || closed || pumping) return
      pumping = true
      try {
        while (!closed) {
          if (unacked + pending.length >= highWaterMark) {
            timeout.pause()
            break
          }
          const message = stream.read() as Parameters<typeof toKafkaRecord>[0] | null
          if (message === null) break
          timeout.touch()
          pending.push(toKafkaRecord(message))
          if (pending.length >= maxRecords) flush()
        }
        flush()
      } finally {
        pumping = false
      }
    }

    subscribeGroupStream(consumer, topics, owned, subscriber, {
      isClosed: () => closed,
      open: opened => { stream = opened; timeout.start() },
      readable: pump,
      end: () => { flush(); subscriber.complete() }
    })

    return () => {
      closed = true
      timeout.stop()
      // Batches acknowledged but not yet committed still get their commit before an owned consumer closes.
      const waitForCommits = async (): Promise<void> => {
        while (committing !== null) await committing
      }
      if (stream !== undefined || owned) {
        waitForCommits().then(() => closeGroupStream(stream, consumer, owned)).catch(() => {})
      }
    }
  })
}
