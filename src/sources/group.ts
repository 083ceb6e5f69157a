// fromGroup: a consumer-group stream that ends when the topic goes quiet (the tutorial's
// KafkaGroupIODataset), without its commit-on-fetch: offsets move only when the caller commits.
import { Observable } from 'rxjs'
import type { ConsumedRecord } from '../record.js'
import { toConsumedRecord } from '../record.js'
import type { FlowControl } from './flow-control.js'
import { closeGroupStream, groupConsumerFor, subscribeGroupStream, validateGroupOptions, type GroupMessagesStream, type GroupSourceOptions } from './group-stream.js'
import { StreamTimeout } from './stream-timeout.js'

export interface FromGroupOptions extends GroupSourceOptions {
  /**
   * Complete after this many ms without a new record (default 10000), counted from when the
   * stream is open (group joined); time paused by `flow` does not count. -1 never completes.
   */
  streamTimeout?: number
  /** Credits for a slow asynchronous consumer: the stream is paused while they are used up. */
  flow?: FlowControl
}

export const fromGroupDefaults = { streamTimeout: 10_000 }

/**
 * Reads `topics` as member of `groupId` from the group's committed offsets (earliest where none),
 * isolation read_committed, and completes after `streamTimeout` ms without a record. Nothing
 * is committed on fetch: commit processed records with `commitRecords(consumer, records)` on a
 * consumer you pass in (or inside a transaction). Each subscription opens a fresh stream from
 * the committed offsets, so `retry()` after a failure starts again at the last commit.
 *
 * ```ts
 * const consumer = createGroupConsumer({ groupId: 'testcg' })
 * fromGroup({ topics: ['susy-test'], groupId: 'testcg', consumer }).pipe(
 *   bufferCount(500),
 *   concatMap(async records => { await score(records); await commitRecords(consumer, records) }),
 *   finalize(() => consumer.close())
 * )
 * ```
 */
export function fromGroup (options: FromGroupOptions): Observable<ConsumedRecord> {
  const streamTimeout = options.streamTimeout ?? fromGroupDefaults.streamTimeout
  validateGroupOptions('fromGroup', options, streamTimeout)
  const { topics, flow } = options

  return new Observable<ConsumedRecord>(subscriber => {
    const { consumer, owned } = groupConsumerFor(options, 'group')
    let stream: GroupMessagesStream | undefined
    let closed = false
    let pumping = false
    const timeout = new StreamTimeout(streamTimeout, () => subscriber.complete())

    // Paused-mode reading: records stay in the platformatic stream until we read() them, and
    // the stream fetches again only when its buffer is below its high-water mark. While the
    // credits are used up we simply stop reading, so at most one buffer plus one fetch wait there.
    const pump = (): void => {
      if (stream === undefined || closed || pumping) return
      pumping = true
      try {
        while (!closed && flow?.full !== true) {
          const message = stream.read() as Parameters<typeof toConsumedRecord>[0] | null
          if (message === null) break
          timeout.touch()
          flow?.emitted(1)
          subscriber.next(toConsumedRecord(message))
        }
      } finally {
        pumping = false
      }
      // Waiting on a slow consumer is not a quiet topic.
      if (flow?.full === true) timeout.pause()
    }
    const offDrain = flow?.onDrain(() => {
      timeout.resume()
      pump()
    })

    subscribeGroupStream(consumer, topics, owned, subscriber, {
      isClosed: () => closed,
      open: opened => { stream = opened; timeout.start() },
      readable: pump,
      // The stream only ends by itself when its consumer is closed under it (a caller-owned one).
      end: () => subscriber.complete()
    })

    return () => {
      closed = true
      timeout.stop()
      offDrain?.()
      if (stream !== undefined || owned) closeGroupStream(stream, consumer, owned).catch(() => {})
    }
  })
}
