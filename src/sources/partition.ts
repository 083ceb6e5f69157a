// fromPartition: a replayable, bounded read of one partition (the tutorial's IODataset.from_kafka).
//
// It talks to the partition leader with plain Fetch requests instead of a consumer-group stream:
// no group to join, no offsets to commit, no rebalance delay, and records are handed downstream
// only while the consumer has credits, which is what keeps memory bounded under a slow subscriber.
import { Consumer, FetchIsolationLevels, ListOffsetTimestamps } from '@platformatic/kafka'
import { Observable } from 'rxjs'
import { DEFAULT_BROKER_TIMEOUT_MS, loadConfig, type KafkaConfig } from '../config.js'
import { kafkaOutage } from '../errors.js'
import { isTransientKafkaError } from '../kafka/client-errors.js'
import { connectionOptions } from '../kafka/connection.js'
import type { ConsumedRecord } from '../record.js'
import type { FlowControl } from './flow-control.js'
import { isControlBatch, recordFromBatch } from './raw-records.js'

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>

/** Which partition {@link fromPartition} reads, from where to where. */
export interface FromPartitionOptions {
  topic: string
  /** Default 0. */
  partition?: number
  /** First offset to read (default 0). Offsets already deleted by retention are skipped. */
  start?: bigint | number
  /**
   * Offset to stop before (exclusive). Default: the partition's end offset taken when the
   * subscription starts (the last stable offset when `readCommitted`), so records produced
   * during an epoch wait for the next one. A `stop` beyond the end waits for those records.
   */
  stop?: bigint | number
  /** Connection settings; default `loadConfig().kafka` (KAFKA_BROKERS and friends). */
  kafka?: KafkaConfig
  /** Skip records of aborted transactions and stop at the last stable offset (default true). */
  readCommitted?: boolean
  /**
   * Upper bound of one fetch response in bytes (default 1 MiB, as the Java consumer's
   * max.partition.fetch.bytes). The client decodes a whole response before the first record is
   * emitted: 10 MiB held the first record of every epoch back by ~0.5 s here.
   */
  maxBytes?: number
  /** How long the broker may hold a fetch while waiting for records, in ms (default 500). */
  maxWaitTime?: number
  /**
   * Credits for a slow asynchronous consumer: emission pauses mid-fetch when they run out. With
   * or without it the source itself holds at most two fetch responses.
   */
  flow?: FlowControl
}

const defaults = {
  partition: 0,
  start: 0n,
  readCommitted: true,
  maxBytes: 1024 * 1024,
  maxWaitTime: 500
}

/**
 * Reads `topic`/`partition` from `start` up to `stop` (or the end offset at subscription time),
 * in offset order, then completes. Every subscription reads the range again, so one epoch of
 * training is one subscription.
 *
 * ```ts
 * const epoch = fromPartition({ topic: 'susy-train' })
 * for (let i = 0; i < 10; i++) await lastValueFrom(epoch.pipe(decodeCsv(), batch(64), train()))
 * ```
 */
export function fromPartition (options: FromPartitionOptions): Observable<ConsumedRecord> {
  const o = resolveOptions(options)
  const { topic, partition, start, stop, flow } = o

  return new Observable<ConsumedRecord>(subscriber => {
    const fetcher = new PartitionFetcher(options.kafka ?? loadConfig().kafka, o)
    let closed = false
    const teardown = new AbortController()

    const read = async (): Promise<void> => {
      const [earliest, end] = await Promise.all([
        fetcher.offsetOf(ListOffsetTimestamps.EARLIEST),
        stop === undefined ? fetcher.offsetOf(ListOffsetTimestamps.LATEST) : Promise.resolve(stop)
      ])
      let position = start > earliest ? start : earliest
      let pending = position < end ? fetcher.prefetch(position) : undefined
      while (pending !== undefined) {
        const response = await pending
        if (closed) return
        const batches = response.responses[0]?.partitions[0]?.records ?? []
        const requested = position
        const last = batches[batches.length - 1]
        if (last !== undefined) position = last.firstOffset + BigInt(last.lastOffsetDelta) + 1n
        // The next round trip overlaps with emitting this response: at most two are held.
        pending = position < end ? fetcher.prefetch(position) : undefined
        for (const batch of batches) {
          if (isControlBatch(batch)) continue
          for (const raw of batch.records) {
            const offset = batch.firstOffset + BigInt(raw.offsetDelta)
            // A fetch returns whole batches, which may begin before the requested offset.
            if (offset < requested) continue
            if (offset >= end) break
            if (flow?.full === true) {
              await flow.whenReady(teardown.signal)
              if (closed) return
            }
            flow?.emitted(1)
            subscriber.next(recordFromBatch(topic, partition, batch, raw, offset))
            if (closed) return
          }
        }
      }
      subscriber.complete()
    }

    read().catch(error => { if (!closed) subscriber.error(error) })

    return () => {
      closed = true
      teardown.abort()
      fetcher.close()
    }
  })
}

interface ResolvedOptions {
  topic: string
  partition: number
  start: bigint
  stop: bigint | undefined
  isolationLevel: number
  maxBytes: number
  maxWaitTime: number
  flow: FlowControl | undefined
}

function resolveOptions (options: FromPartitionOptions): ResolvedOptions {
  const partition = options.partition ?? defaults.partition
  const start = BigInt(options.start ?? defaults.start)
  const stop = options.stop === undefined ? undefined : BigInt(options.stop)
  const { topic, flow } = options
  if (!topic) throw new TypeError('fromPartition: topic is required')
  if (!Number.isInteger(partition) || partition < 0) throw new RangeError(`fromPartition: bad partition ${partition}`)
  if (start < 0n) throw new RangeError(`fromPartition: start must be >= 0, got ${start}`)
  if (stop !== undefined && stop < start) throw new RangeError(`fromPartition: stop (${stop}) is before start (${start})`)
  return {
    topic,
    partition,
    start,
    stop,
    isolationLevel: (options.readCommitted ?? defaults.readCommitted) ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED,
    maxBytes: options.maxBytes ?? defaults.maxBytes,
    maxWaitTime: options.maxWaitTime ?? defaults.maxWaitTime,
    flow
  }
}

/** A partition between leaders: worth another try. */
class NoLeaderError extends Error {}

/** The three requests one partition is read with: Metadata, ListOffsets and Fetch. */
class PartitionFetcher {
  readonly #consumer: Consumer
  readonly #o: ResolvedOptions
  readonly #kafka: KafkaConfig

  constructor (kafka: KafkaConfig, options: ResolvedOptions) {
    this.#kafka = kafka
    // A consumer client is only used for its Metadata, ListOffsets and Fetch calls: it never
    // joins the group named here, so nothing is recorded on the broker under that name.
    this.#consumer = new Consumer({ ...connectionOptions(kafka, 'partition'), groupId: 'streamfit-partition-reader' })
    this.#o = options
  }

  async offsetOf (timestamp: bigint): Promise<bigint> {
    const { topic, partition, isolationLevel } = this.#o
    const offsets = await this.#retrying(() => this.#consumer.listOffsets({ topics: [topic], partitions: { [topic]: [partition] }, timestamp, isolationLevel }))
    const offset = offsets.get(topic)?.[partition]
    if (offset === undefined) throw new Error(`fromPartition: ${topic} has no partition ${partition}`)
    return offset
  }

  /** Starts the fetch at `position`; awaited later, so that it overlaps with emitting. */
  prefetch (position: bigint): Promise<FetchResponse> {
    const pending = this.#fetchFrom(position)
    // Handled where it is awaited; this only stops a fetch failing after teardown from
    // becoming an unhandled rejection.
    pending.catch(() => {})
    return pending
  }

  close (): void {
    this.#consumer.close().catch(() => {})
  }

  #fetchFrom (position: bigint): Promise<FetchResponse> {
    return this.#retrying(() => this.#fetchOnce(position))
  }

  /**
   * One request, tried again while Kafka fails transiently (the leader's broker died: the next
   * attempt asks the metadata for the new leader), up to the broker timeout; then one line, exit 2.
   * A ListOffsets at the start of an epoch meets a killed leader as often as a fetch does.
   */
  async #retrying<T> (request: () => Promise<T>): Promise<T> {
    const started = Date.now()
    const bound = this.#kafka.brokerTimeoutMs ?? DEFAULT_BROKER_TIMEOUT_MS
    for (let attempt = 0; ; attempt++) {
      try {
        return await request()
      } catch (error) {
        if (!(error instanceof NoLeaderError) && !isTransientKafkaError(error)) throw error
        if (Date.now() - started >= bound) throw kafkaOutage(this.#kafka, Math.round((Date.now() - started) / 1000), error)
        this.#consumer.clearMetadata()
        await new Promise(resolve => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2000)))
      }
    }
  }

  async #fetchOnce (position: bigint): Promise<FetchResponse> {
    const { topic, partition, isolationLevel, maxBytes, maxWaitTime } = this.#o
    const metadata = await this.#consumer.metadata({ topics: [topic] })
    const topicMetadata = metadata.topics.get(topic)
    const leader = topicMetadata?.partitions[partition]?.leader
    if (topicMetadata === undefined || leader === undefined) throw new Error(`fromPartition: ${topic} has no partition ${partition}`)
    if (leader < 0 || !metadata.brokers.has(leader)) throw new NoLeaderError(`${topic}-${partition} has no leader (an election is under way)`)
    return this.#consumer.fetch({
      node: leader,
      maxBytes,
      maxWaitTime,
      isolationLevel,
      topics: [{
        topicId: topicMetadata.id,
        partitions: [{ partition, fetchOffset: position, partitionMaxBytes: maxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }]
      }]
    })
  }
}
