// transactionalSink: the RxJS operator that writes each batch with a BatchWriter (exactly-once
// TransactionalWriter, or AtLeastOnceWriter) and emits what was committed.
import { Observable, type OperatorFunction } from 'rxjs'
import { RebalanceError } from '../errors.js'
import type { BatchWriter, CommittedBatch, SinkBatch } from './sink-batch.js'

/**
 * Writes each batch with `writer`, one at a time and in order, and emits what was committed.
 * On a failure the open transaction is aborted and the error goes downstream after the batch in
 * flight has finished; batches still queued are dropped (they were not committed, so a
 * resubscription reads them again). A rebalance while idle errors at once with RebalanceError;
 * during a transaction it lets the broker decide (commit, or reject the stale generation).
 *
 * @example
 * const writer = new TransactionalWriter({ kafka, consumer, transactionalId: 'scorer-1' })
 * await writer.start()
 * defer(() => fromGroup({ topics: ['susy-test'], groupId: 'g', consumer })).pipe(
 *   batch(1024, { maxWaitMs: 100 }),
 *   map(records => ({ records, messages: records.map(toOutput) })),
 *   transactionalSink(writer),
 *   retry({ delay: (err) => err instanceof FencedError ? throwError(() => err) : timer(100) })
 * )
 */
export function transactionalSink<B extends SinkBatch> (writer: BatchWriter): OperatorFunction<B, CommittedBatch<B>> {
  return source => new Observable<CommittedBatch<B>>(subscriber => {
    const session = writer.openSession()
    const queue: B[] = []
    let busy = false
    let sourceDone = false
    let pendingError: { error: unknown } | null = null

    const finish = (): void => {
      if (pendingError !== null) subscriber.error(pendingError.error)
      else if (sourceDone) subscriber.complete()
    }

    const drain = async (): Promise<void> => {
      if (busy) return
      busy = true
      try {
        while (queue.length > 0 && pendingError === null && !subscriber.closed) {
          subscriber.next(await session.write(queue.shift()!))
        }
      } catch (error) {
        pendingError ??= { error }
      }
      busy = false
      if (pendingError !== null) queue.length = 0
      finish()
    }

    const offRevoked = session.onRevoked(reason => {
      pendingError ??= { error: new RebalanceError(`${reason}; re-reading from the committed offsets`) }
      if (!busy) finish()
    })

    const subscription = source.subscribe({
      next (batch) {
        if (pendingError !== null) return
        queue.push(batch)
        void drain()
      },
      error (error) {
        pendingError ??= { error }
        if (!busy) finish()
      },
      complete () {
        sourceDone = true
        if (!busy && queue.length === 0) finish()
      }
    })

    return () => {
      subscription.unsubscribe()
      offRevoked()
      session.dispose()
      queue.length = 0
    }
  })
}
