// fromGroupBatches: one mini-batch per poll for online learning (the tutorial's
// KafkaBatchIODataset), whose offsets are committed only once the batch is acknowledged.
import { Observable } from 'rxjs'
import type { ConsumedRecord } from '../record.js'
import { toConsumedRecord } from '../record.js'
import { AckQueue } from '../kafka/offset-acks.js'
import { closeGroupStream, groupConsumerFor, subscribeGroupStream, validateGroupOptions, type GroupMessagesStream, type GroupSourceOptions } from './group-stream.js'
import { StreamTimeout } from './stream-timeout.js'

/** The records of one poll. `ack()` commits them (see fromGroupBatches for the order rule). */
export interface RecordBatch extends Array<ConsumedRecord> {
  /** Commits the batch's offsets (once every earlier batch is acknowledged too). */
  ack(): Promise<void>
}

/** Settings of {@link fromGroupBatches}. */
export interface FromGroupBatchesOptions extends GroupSourceOptions {
  /** Complete after this many ms without a new record; -1 (default) waits forever. */
  streamTimeout?: number
  /** Largest mini-batch (default 1024); a bigger poll is split. */
  maxRecords?: number
  /** Fetching pauses while this many emitted records are unacknowledged (default 2 × maxRecords). */
  highWaterMark?: number
}

/** The defaults of {@link FromGroupBatchesOptions}. */
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
  const { streamTimeout, maxRecords, highWaterMark } = resolveOptions(options)
  const { topics } = options

  return new Observable<RecordBatch>(subscriber => {
    // The platformatic buffer is sized to one batch; our own bound is on unacknowledged records.
    const { consumer, owned } = groupConsumerFor({ ...options, highWaterMark: maxRecords }, 'batches')
    let stream: GroupMessagesStream | undefined
    let closed = false
    let pending: ConsumedRecord[] = []
    let pumping = false
    let unacked = 0
    // Emitted batches in order; a batch's offsets commit once it and all before it are acknowledged.
    const acks = new AckQueue(consumer, released => {
      unacked -= released
      if (unacked < highWaterMark) {
        timeout.resume()
        pump()
      }
    })
    const timeout = new StreamTimeout(streamTimeout, () => {
      flush()
      subscriber.complete()
    })

    const flush = (): void => {
      if (pending.length === 0 || closed) return
      const records = pending
      pending = []
      unacked += records.length
      const ack = acks.track(records)
      const batch = records as RecordBatch
      Object.defineProperty(batch, 'ack', { enumerable: false, value: () => ack().catch(prefixError) })
      subscriber.next(batch)
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
          const message = stream.read() as Parameters<typeof toConsumedRecord>[0] | null
          if (message === null) break
          timeout.touch()
          pending.push(toConsumedRecord(message))
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
      if (stream !== undefined || owned) {
        acks.idle().then(() => closeGroupStream(stream, consumer, owned)).catch(() => {})
      }
    }
  })
}

function prefixError (error: Error): never {
  throw new Error(`fromGroupBatches: ${error.message}`, { cause: error.cause ?? error })
}

function resolveOptions (options: FromGroupBatchesOptions): { streamTimeout: number, maxRecords: number, highWaterMark: number } {
  const streamTimeout = options.streamTimeout ?? fromGroupBatchesDefaults.streamTimeout
  const maxRecords = options.maxRecords ?? fromGroupBatchesDefaults.maxRecords
  validateGroupOptions('fromGroupBatches', options, streamTimeout)
  if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new RangeError(`fromGroupBatches: maxRecords must be an integer >= 1, got ${maxRecords}`)
  const highWaterMark = options.highWaterMark ?? 2 * maxRecords
  if (!Number.isInteger(highWaterMark) || highWaterMark < 1) throw new RangeError(`fromGroupBatches: highWaterMark must be an integer >= 1, got ${highWaterMark}`)
  return { streamTimeout, maxRecords, highWaterMark }
}
