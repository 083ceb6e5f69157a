// What a batch sink writes and reports, and the writers it writes with: the exactly-once
// TransactionalWriter and the AtLeastOnceWriter share this shape, so transactionalSink and the
// scoring runtime take either.
import type { MessageToProduce } from '@platformatic/kafka'
import { nextOffsetsByPartition } from '../kafka/offsets.js'
import type { ConsumedRecord } from '../record.js'

/**
 * What a sink guarantees: each input record's output written once (transactions), or at least once
 * (sends, then offset commit).
 */
export type ProcessingGuarantee = 'exactly-once' | 'at-least-once'

/** One unit of work for the sink: what to write, and every input record it accounts for. */
export interface SinkBatch {
  /** All input records this batch consumed, scored or dead-lettered, in read order. */
  records: readonly ConsumedRecord[]
  /** Output messages (predictions, dead letters); they commit together with the offsets. */
  messages: MessageToProduce[]
}

/** What one committed batch did. */
export interface CommittedBatch<B extends SinkBatch = SinkBatch> {
  /** The batch itself, for whatever the caller attached to it. */
  batch: B
  records: number
  messages: number
  /** "topic:partition" -> next offset to read, as committed. */
  offsets: Map<string, bigint>
  /** Time spent in the sink for the write that committed this batch (transaction or send + commit). */
  seconds: number
  /** Batches committed by that same write (1 when each batch has its own transaction). */
  together: number
}

/** Writes batches with their input offsets; outlives subscriptions (a retry reuses it). */
export interface BatchWriter {
  readonly guarantee: ProcessingGuarantee
  /** Committed transactions over the writer's life (0 for at-least-once). */
  readonly transactions: number
  /** Aborted transactions (or failed writes) over the writer's life. */
  readonly aborted: number
  /** Creates the producer; for exactly-once, fences an older instance with the same id. */
  start(): Promise<void>
  /** A fresh session for one subscription of the sink. */
  openSession(): WriterSession
  /** Closes the producer. */
  close(): Promise<void>
}

/** One subscription's writing: batches in order, and a signal when it must stop. */
export interface WriterSession {
  /**
   * Writes `batches` together: one transaction for all of them (exactly-once), or one offset
   * commit after all their sends (at-least-once). All commit, or none does.
   */
  write<B extends SinkBatch>(batches: readonly B[]): Promise<Array<CommittedBatch<B>>>
  /**
   * Calls `listener` once when the group moves under the session (exactly-once only: the open
   * batch can no longer commit); returns the unsubscribe.
   */
  onRevoked(listener: (reason: string) => void): () => void
  /** Removes the session's listeners; the writer lives on. */
  dispose(): void
}

/** The records and messages of several batches, in order, as one. */
export function combine (batches: readonly SinkBatch[]): SinkBatch {
  if (batches.length === 1) return batches[0]!
  return { records: batches.flatMap(b => b.records), messages: batches.flatMap(b => b.messages) }
}

/** What each of `batches`, committed together in `seconds`, reports. */
export function committedBatches<B extends SinkBatch> (batches: readonly B[], seconds: number): Array<CommittedBatch<B>> {
  return batches.map(batch => ({
    batch,
    records: batch.records.length,
    messages: batch.messages.length,
    offsets: nextOffsetsByPartition(batch.records),
    seconds,
    together: batches.length
  }))
}
