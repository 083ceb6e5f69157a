// fromGroup: a consumer-group stream that ends when the topic goes quiet (the tutorial's
// KafkaGroupIODataset), without its commit-on-fetch: offsets move only when the caller commits.
import { Observable } from 'rxjs'
import type { ConsumedRecord } from '../record.js'
import type { FlowControl } from './flow-control.js'
import { GroupFetcher } from './group-fetcher.js'
import { closeGroupStream, groupConsumerFor, validateGroupOptions, type GroupSourceOptions } from './group-stream.js'
import { StreamTimeout } from './stream-timeout.js'

/** Settings of {@link fromGroup}. */
export interface FromGroupOptions extends GroupSourceOptions {
  /**
   * Complete after this many ms without a new record (default 10000), counted from when the
   * stream is open (group joined); time paused by `flow` does not count. -1 never completes.
   */
  streamTimeout?: number
  /** Credits for a slow asynchronous consumer: the stream is paused while they are used up. */
  flow?: FlowControl
}

/** The defaults of {@link FromGroupOptions}. */
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
    const fetcher = new GroupFetcher(consumer, topics)
    let closed = false
    const teardown = new AbortController()
    const timeout = new StreamTimeout(streamTimeout, () => subscriber.complete())
    // A caller-owned consumer closed under the subscription ends it.
    const onConsumerClose = (): void => { if (!closed) subscriber.complete() }
    consumer.once('client:close', onConsumerClose)

    // Waiting on a slow consumer is not a quiet topic: the clock stops meanwhile.
    const waitForRoom = async (flow: FlowControl): Promise<void> => {
      timeout.pause()
      await flow.whenReady(teardown.signal)
      timeout.resume()
    }

    const read = async (): Promise<void> => {
      await fetcher.open()
      if (closed) return
      timeout.start()
      let pending = prefetch(fetcher)
      while (!closed) {
        const records = await pending
        if (closed) return
        // The next round trip overlaps with emitting this one: at most two responses are held.
        pending = prefetch(fetcher)
        for (const record of records) {
          if (flow?.full === true) await waitForRoom(flow)
          if (closed) return
          timeout.touch()
          flow?.emitted(1)
          subscriber.next(record)
        }
      }
    }

    read().catch(error => { if (!closed) subscriber.error(error) })

    return () => {
      closed = true
      timeout.stop()
      teardown.abort()
      consumer.removeListener('client:close', onConsumerClose)
      fetcher.close()
      if (owned) closeGroupStream(undefined, consumer, owned).catch(() => {})
    }
  })
}

function prefetch (fetcher: GroupFetcher): Promise<ConsumedRecord[]> {
  const pending = fetcher.fetch()
  // Handled where it is awaited; this only keeps a fetch failing after teardown from becoming an
  // unhandled rejection.
  pending.catch(() => {})
  return pending
}
