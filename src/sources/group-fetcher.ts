// The fetch loop behind fromGroup: the consumer client keeps the group membership (join,
// heartbeats, assignment), and this sends the Fetch requests for the assigned partitions itself
// and decodes the responses straight into ConsumedRecords, as fromPartition does. The client's
// consumer stream builds a message object per record (a bound commit function, a header map,
// diagnostics) that the scorer then copied again: it was the largest item left in the scorer's
// profile, and fromPartition reads 1.78x as fast as that stream (bench/consume.ts).
//
// Positions follow the client's own stream: on every join, the group's committed offset where
// there is one, else the position already reached, else the earliest offset.
//
// A killed leader leaves the cluster's metadata before its partitions have a new one: those
// partitions sit out the round (and the metadata is asked again), as the Java consumer waits for a
// leader. A fetch whose broker left the metadata while the client was retrying it returns nothing;
// its partitions are fetched from their new leader next round. The client reports that case as a
// non-retriable "Cannot find broker" error, which ended `online` in the cluster suite.
import { ConnectionPool, FetchIsolationLevels, kOptions, ListOffsetTimestamps, type Consumer } from '@platformatic/kafka'
import type { ConsumedRecord } from '../record.js'
import { isControlBatch, recordFromBatch } from './raw-records.js'

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>

/** Bytes one partition may return per fetch (the Java consumer's max.partition.fetch.bytes). */
export const PARTITION_FETCH_BYTES = 1024 * 1024

/** How long a round with no partition that has a leader waits before the next asks again. */
const LEADERLESS_WAIT_MS = 200

export class GroupFetcher {
  readonly #consumer: Consumer
  readonly #topics: string[]
  // Fetches wait up to maxWaitTime at the broker: on their own connections they never hold up
  // the member's heartbeats and commits (the client's stream keeps a pool of its own too).
  readonly #pool: ConnectionPool
  #positions = new Map<string, bigint>()
  #topicById = new Map<string, string>()
  /** Bumped on every join: a fetch issued before it is stale. */
  #generation = 0
  #refreshed: Promise<void> | undefined
  readonly #onJoin = (): void => { this.#generation++; this.#refreshed = undefined }

  constructor (consumer: Consumer, topics: string[]) {
    this.#consumer = consumer
    this.#topics = topics
    const options = (consumer as unknown as Record<symbol, Record<string, unknown>>)[kOptions]
    this.#pool = new ConnectionPool(consumer.clientId, { ...options })
    consumer.on('consumer:group:join', this.#onJoin)
  }

  /** Joins the group for the topics (unless already a member for them) and learns the positions. */
  async open (): Promise<void> {
    const newTopics = this.#consumer.topics.trackAll(...this.#topics).some(Boolean)
    if (newTopics || this.#consumer.memberId === null) await this.#consumer.joinGroup({})
    await this.#refresh()
  }

  /**
   * One round of fetches for every assigned partition; resolves to the records it returned, in
   * partition and offset order, with positions already moved past them. A rebalance during the
   * round discards it: positions are learned again and the next round starts from them.
   */
  async fetch (): Promise<ConsumedRecord[]> {
    await this.#refresh()
    const generation = this.#generation
    const requested = new Map(this.#positions)
    const byLeader = await this.#requestsByLeader(requested)
    // Every assigned partition between leaders: wait a moment instead of asking again at once.
    if (byLeader.size === 0 && this.#assigned().length > 0) await new Promise(resolve => setTimeout(resolve, LEADERLESS_WAIT_MS))
    const responses = await Promise.all([...byLeader].map(([node, topics]) => this.#fetchFrom(node, topics)))
    if (generation !== this.#generation) return []
    const records: ConsumedRecord[] = []
    for (const response of responses) if (response !== null) this.#decode(response, requested, records)
    return records
  }

  /** One node's fetch; null when that node left the cluster's metadata meanwhile (see the top). */
  async #fetchFrom (node: number, topics: unknown[]): Promise<FetchResponse | null> {
    try {
      return await this.#consumer.fetch({ node, topics, isolationLevel: FetchIsolationLevels.READ_COMMITTED, connectionPool: this.#pool } as Parameters<Consumer['fetch']>[0])
    } catch (error) {
      this.#consumer.clearMetadata()
      const metadata = await this.#consumer.metadata({ topics: this.#topics })
      if (metadata.brokers.has(node)) throw error
      return null
    }
  }

  close (): void {
    this.#consumer.removeListener('consumer:group:join', this.#onJoin)
    this.#consumer.topics.untrackAll(...this.#topics)
    this.#pool.close(() => {})
  }

  async #refresh (): Promise<void> {
    this.#refreshed ??= this.#learnPositions()
    await this.#refreshed
  }

  async #learnPositions (): Promise<void> {
    const generation = this.#generation
    const assigned = this.#assigned()
    if (assigned.length === 0) return
    const [earliest, committed] = await Promise.all([
      this.#consumer.listOffsets({ topics: assigned.map(a => a.topic), timestamp: ListOffsetTimestamps.EARLIEST }),
      this.#consumer.listCommittedOffsets({ topics: assigned })
    ])
    if (generation !== this.#generation) return
    const positions = new Map<string, bigint>()
    for (const { topic, partitions } of assigned) {
      for (const partition of partitions) {
        const key = `${topic}:${partition}`
        const commit = committed.get(topic)?.[partition] ?? -1n
        positions.set(key, commit >= 0n ? commit : this.#positions.get(key) ?? earliest.get(topic)?.[partition] ?? 0n)
      }
    }
    this.#positions = positions
  }

  #assigned (): Array<{ topic: string, partitions: number[] }> {
    return (this.#consumer.assignments ?? []).filter(a => this.#topics.includes(a.topic) && a.partitions.length > 0)
  }

  async #requestsByLeader (positions: Map<string, bigint>): Promise<Map<number, unknown[]>> {
    const metadata = await this.#consumer.metadata({ topics: this.#topics })
    const byLeader = new Map<number, unknown[]>()
    let leaderless = false
    for (const { topic, partitions } of this.#assigned()) {
      const topicMetadata = metadata.topics.get(topic)
      if (topicMetadata === undefined) continue
      this.#topicById.set(topicMetadata.id, topic)
      for (const partition of partitions) {
        const fetchOffset = positions.get(`${topic}:${partition}`)
        const leader = topicMetadata.partitions[partition]?.leader
        if (fetchOffset === undefined || leader === undefined) continue
        if (leader < 0 || !metadata.brokers.has(leader)) { leaderless = true; continue }
        let topics = byLeader.get(leader)
        if (topics === undefined) byLeader.set(leader, topics = [])
        topics.push({
          topicId: topicMetadata.id,
          partitions: [{ partition, fetchOffset, partitionMaxBytes: PARTITION_FETCH_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }]
        })
      }
    }
    if (leaderless) this.#consumer.clearMetadata()
    return byLeader
  }

  #decode (response: FetchResponse, requested: Map<string, bigint>, into: ConsumedRecord[]): void {
    for (const topicResponse of response.responses) {
      const topic = this.#topicById.get(topicResponse.topicId)
      if (topic === undefined) continue
      for (const { partitionIndex: partition, records: batches } of topicResponse.partitions) {
        if (batches === undefined || batches === null || batches.length === 0) continue
        const key = `${topic}:${partition}`
        const from = requested.get(key) ?? 0n
        for (const batch of batches) {
          if (isControlBatch(batch)) continue
          for (const raw of batch.records) {
            const offset = batch.firstOffset + BigInt(raw.offsetDelta)
            // A fetch returns whole batches, which may begin before the requested offset.
            if (offset >= from) into.push(recordFromBatch(topic, partition, batch, raw, offset))
          }
        }
        const last = batches[batches.length - 1]!
        this.#positions.set(key, last.firstOffset + BigInt(last.lastOffsetDelta) + 1n)
      }
    }
  }
}
