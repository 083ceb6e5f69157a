// transactionalSink: the RxJS operator that writes batches with a BatchWriter (exactly-once
// TransactionalWriter, or AtLeastOnceWriter) and emits what was committed.
import { Observable, type OperatorFunction } from 'rxjs'
import { RebalanceError } from '../errors.js'
import type { BatchWriter, CommittedBatch, SinkBatch } from './sink-batch.js'

/** Settings of {@link transactionalSink}: how batches gather into one write. */
export interface SinkOptions {
  /**
   * Full batches gather for up to this long and commit in one write (one transaction), as Kafka
   * Streams' commit.interval.ms (100 ms under exactly-once): a transaction's round trips are then
   * paid once per interval, not once per batch. 0 writes each batch alone.
   */
  commitIntervalMs?: number
  /**
   * Records in a full batch. A smaller batch was closed by its wait limit: the input is not
   * keeping up, so gathering would only add latency, and everything queued is written at once.
   * Unset, every batch counts as partial (no gathering).
   */
  fullBatch?: number
  /** Most records in one write; at least one batch is always taken. */
  maxRecords?: number
}

/** The defaults of {@link SinkOptions}. */
export const sinkDefaults = { commitIntervalMs: 0, maxRecords: 8192 }

/**
 * Writes batches with `writer`, in order, one write at a time, and emits each committed batch.
 * Batches that arrive while a write is in flight, or full ones within the commit interval, are
 * written together. On a failure the open transaction is aborted and the error goes downstream
 * after the write in flight has finished; queued batches are dropped (they were not committed,
 * so a resubscription reads them again). A rebalance while idle errors at once with
 * RebalanceError; during a transaction it lets the broker decide (commit, or reject the stale
 * generation).
 *
 * @example
 * const writer = new TransactionalWriter({ kafka, consumer, transactionalId: 'scorer-1' })
 * await writer.start()
 * defer(() => fromGroup({ topics: ['susy-test'], groupId: 'g', consumer })).pipe(
 *   batch(1024, { maxWaitMs: 100 }),
 *   map(records => ({ records, messages: records.map(toOutput) })),
 *   transactionalSink(writer, { commitIntervalMs: 100, fullBatch: 1024 }),
 *   retry({ delay: (err) => err instanceof FencedError ? throwError(() => err) : timer(100) })
 * )
 */
export function transactionalSink<B extends SinkBatch> (writer: BatchWriter, options: SinkOptions = {}): OperatorFunction<B, CommittedBatch<B>> {
  const { commitIntervalMs, fullBatch, maxRecords } = { ...sinkDefaults, ...options }
  return source => new Observable<CommittedBatch<B>>(subscriber => {
    const session = writer.openSession()
    const queue: Array<{ batch: B, at: number }> = []
    let queuedRecords = 0
    let busy = false
    let sourceDone = false
    let pendingError: { error: unknown } | null = null
    let timer: NodeJS.Timeout | undefined

    const finish = (): void => {
      if (pendingError !== null) subscriber.error(pendingError.error)
      else if (sourceDone) subscriber.complete()
    }

    const forget = (): void => {
      clearTimeout(timer)
      queue.length = 0
      queuedRecords = 0
    }

    // Write now, or keep gathering? Now when the input ended or slowed down (a partial batch),
    // the write would be as large as allowed, or the oldest queued batch has waited an interval.
    const due = (): boolean => {
      if (queue.length === 0) return false
      if (sourceDone || commitIntervalMs === 0 || queuedRecords >= maxRecords) return true
      if (fullBatch === undefined || queue[queue.length - 1]!.batch.records.length < fullBatch) return true
      return performance.now() - queue[0]!.at >= commitIntervalMs
    }

    const take = (): B[] => {
      const taken: B[] = []
      let records = 0
      while (queue.length > 0 && (taken.length === 0 || (commitIntervalMs > 0 && records + queue[0]!.batch.records.length <= maxRecords))) {
        const { batch } = queue.shift()!
        records += batch.records.length
        taken.push(batch)
      }
      queuedRecords -= records
      return taken
    }

    const drain = async (): Promise<void> => {
      if (busy) return
      busy = true
      clearTimeout(timer)
      try {
        while (due() && pendingError === null && !subscriber.closed) {
          for (const committed of await session.write(take())) subscriber.next(committed)
        }
      } catch (error) {
        pendingError ??= { error }
      }
      busy = false
      if (pendingError !== null) forget()
      else if (queue.length > 0 && !subscriber.closed) {
        timer = setTimeout(() => { void drain() }, Math.max(0, queue[0]!.at + commitIntervalMs - performance.now()))
      }
      if (queue.length === 0) finish()
    }

    const offRevoked = session.onRevoked(reason => {
      pendingError ??= { error: new RebalanceError(`${reason}; re-reading from the committed offsets`) }
      if (!busy) {
        forget()
        finish()
      }
    })

    const subscription = source.subscribe({
      next (batch) {
        if (pendingError !== null) return
        queue.push({ batch, at: performance.now() })
        queuedRecords += batch.records.length
        void drain()
      },
      error (error) {
        pendingError ??= { error }
        if (!busy) {
          forget()
          finish()
        }
      },
      complete () {
        sourceDone = true
        void drain()
      }
    })

    return () => {
      subscription.unsubscribe()
      offRevoked()
      session.dispose()
      forget()
    }
  })
}
