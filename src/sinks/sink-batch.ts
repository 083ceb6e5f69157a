// What a batch sink writes and reports, and the writers it writes with: the exactly-once
// TransactionalWriter and the AtLeastOnceWriter share this shape, so transactionalSink and the
// scoring runtime take either.
import type { MessageToProduce } from '@platformatic/kafka'
import type { ConsumedRecord } from '../record.js'

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
  /** Time spent in the sink for this batch (transaction or send + commit). */
  seconds: number
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
  close(): Promise<void>
}

/** One subscription's writing: batches in order, and a signal when it must stop. */
export interface WriterSession {
  write<B extends SinkBatch>(batch: B): Promise<CommittedBatch<B>>
  /**
   * Calls `listener` once when the group moves under the session (exactly-once only: the open
   * batch can no longer commit); returns the unsubscribe.
   */
  onRevoked(listener: (reason: string) => void): () => void
  dispose(): void
}
