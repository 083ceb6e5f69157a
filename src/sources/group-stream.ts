// What the group sources share: their options, the consumer a subscription uses, and closing it
// (leaving the group when the source owns it). fromGroupBatches reads a platformatic stream that
// starts at the group's committed offsets, opened here; fromGroup fetches for itself
// (group-fetcher.ts).
import { FetchIsolationLevels, MessagesStreamFallbackModes, MessagesStreamModes, type Consumer, type MessagesStream } from '@platformatic/kafka'
import type { Subscriber } from 'rxjs'
import type { KafkaConfig } from '../config.js'
import { createGroupConsumer } from './group-consumer.js'

export interface GroupSourceOptions {
  topics: string[]
  groupId: string
  /** Connection settings; default `loadConfig().kafka`. Ignored when `consumer` is given. */
  kafka?: KafkaConfig
  sessionTimeout?: number
  heartbeatInterval?: number
  maxWaitTime?: number
  /** Records the platformatic stream buffers before it stops fetching (default 1024). */
  highWaterMark?: number
  /**
   * A consumer the caller owns (see createGroupConsumer): the source opens and closes streams on
   * it but never closes it, so the caller can commit with it, or add it to a transaction.
   * Without it, each subscription creates its own consumer and closes it (leaving the group).
   */
  consumer?: Consumer
}

export type GroupMessagesStream = MessagesStream<Buffer, Buffer, Buffer, Buffer>

export function validateGroupOptions (source: string, options: GroupSourceOptions, streamTimeout: number): void {
  if (!Array.isArray(options.topics) || options.topics.length === 0) throw new TypeError(`${source}: topics must be a non-empty array`)
  if (!options.groupId) throw new TypeError(`${source}: groupId is required`)
  if (options.consumer !== undefined && options.consumer.groupId !== options.groupId) {
    throw new TypeError(`${source}: the consumer belongs to group "${options.consumer.groupId}", not "${options.groupId}"`)
  }
  if (!Number.isFinite(streamTimeout) || (streamTimeout < 0 && streamTimeout !== -1)) {
    throw new RangeError(`${source}: streamTimeout must be >= 0 ms, or -1 for never, got ${streamTimeout}`)
  }
}

/** The consumer a subscription uses, and whether the subscription must close it. */
export function groupConsumerFor (options: GroupSourceOptions, clientSuffix: string): { consumer: Consumer, owned: boolean } {
  if (options.consumer !== undefined) return { consumer: options.consumer, owned: false }
  const consumer = createGroupConsumer({
    groupId: options.groupId,
    kafka: options.kafka,
    sessionTimeout: options.sessionTimeout,
    heartbeatInterval: options.heartbeatInterval,
    maxWaitTime: options.maxWaitTime,
    highWaterMark: options.highWaterMark,
    clientSuffix
  })
  return { consumer, owned: true }
}

/**
 * Joins the group (if needed) and opens a stream from the committed offsets, or the earliest
 * where the group has none. A fresh stream re-reads the committed offsets: that is what makes
 * a retry after an aborted transaction start again at the last committed record.
 */
export function openGroupStream (consumer: Consumer, topics: string[]): Promise<GroupMessagesStream> {
  return consumer.consume({
    topics,
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    autocommit: false,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED
  })
}

/**
 * Closes the stream; a consumer the source owns is closed with force, which closes its streams
 * first and then leaves the group (a plain close refuses while a stream is open). Errors after
 * teardown have nowhere to go.
 */
export async function closeGroupStream (stream: GroupMessagesStream | undefined, consumer: Consumer, owned: boolean): Promise<void> {
  if (owned) await new Promise<void>(resolve => { consumer.close(true, () => resolve()) })
  else if (stream !== undefined) await stream.close().catch(() => {})
}

export interface GroupStreamHandlers {
  /** True once the subscription has ended: a stream that opens after that is closed at once. */
  isClosed (): boolean
  /** The stream is open and about to be wired (keep it for reading; start timers). */
  open (stream: GroupMessagesStream): void
  readable (): void
  /** The stream ended by itself (its consumer was closed under it). */
  end (): void
}

/** Opens a group stream for a subscription and wires its events; errors go to the subscriber. */
export function subscribeGroupStream (consumer: Consumer, topics: string[], owned: boolean, subscriber: Subscriber<unknown>, on: GroupStreamHandlers): void {
  openGroupStream(consumer, topics).then(stream => {
    if (on.isClosed()) {
      closeGroupStream(stream, consumer, owned).catch(() => {})
      return
    }
    on.open(stream)
    stream.on('readable', on.readable)
    stream.on('error', error => subscriber.error(error))
    stream.once('end', on.end)
  }, error => { if (!on.isClosed()) subscriber.error(error) })
}
