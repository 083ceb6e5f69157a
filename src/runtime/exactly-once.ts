// The machinery under a consume-transform-produce topology, so that the topology file is only its
// pipe and its options:
//
// - static membership: the transactional id doubles as the group member id (group.instance.id),
//   so a restarted instance takes its partitions back at once (no rebalance, no wait for the
//   dead member's session to expire) and its predecessor is fenced twice, by producer epoch and
//   by group member;
// - the producer starts (InitProducerId, fencing) before anything is read;
// - the client's subscription is pinned for the consumer's life;
// - failed batches are aborted and re-read (retryBatches).
import type { Consumer } from '@platformatic/kafka'
import { hostname } from 'node:os'
import { defer, lastValueFrom, tap, type Observable, type OperatorFunction } from 'rxjs'
import { DEFAULT_BROKER_TIMEOUT_MS, type KafkaConfig } from '../config.js'
import { kafkaOutage } from '../errors.js'
import { requireTopics } from '../kafka/admin.js'
import { AtLeastOnceWriter } from '../sinks/at-least-once-writer.js'
import type { BatchWriter, CommittedBatch, ProcessingGuarantee, SinkBatch } from '../sinks/sink-batch.js'
import { TransactionalWriter } from '../sinks/transactional-writer.js'
import { transactionalSink, type SinkOptions } from '../sinks/transactional-sink.js'
import { createGroupConsumer } from '../sources/group-consumer.js'
import type { Logger } from './logger.js'
import { retryBatches } from './retry-batches.js'

/**
 * Where a transactional run reads and writes, and how it retries: the settings of {@link
 * runTransactional}.
 */
export interface TransactionalRunOptions {
  kafka: KafkaConfig
  groupId: string
  /** The topic read (pinned to the consumer); must exist, like every output topic. */
  input: string
  outputs: string[]
  guarantee: ProcessingGuarantee
  /** Stable per instance, unique among running ones; also the static group member id. */
  transactionalId: string
  /** Group session timeout, ms: how long a crashed instance keeps its partitions. */
  sessionTimeout: number
  /** Consecutive failed attempts (each aborted and re-read) before giving up. */
  maxRetries: number
  /** Appended to the client ids, to tell clients apart in broker logs. */
  clientSuffix: string
  /** How the sink gathers batches into transactions (commit interval, full batch size). */
  sink?: SinkOptions
  signal?: AbortSignal
  logger?: Logger
}

/** What the pipe of one attempt is given. */
export interface AttemptContext<B extends SinkBatch> {
  /** The group member to read with (fromGroup's `consumer`). */
  consumer: Consumer
  /** The sink to end the pipe with: writes each batch with its input offsets. */
  sink: OperatorFunction<B, CommittedBatch<B>>
}

/** What a transactional run does at each attempt, and what it is told as batches commit or attempts fail. */
export interface TransactionalRunHooks<B extends SinkBatch> {
  /** One attempt, from the committed offsets to the sink; called again for every retry. */
  attempt: (context: AttemptContext<B>) => Observable<CommittedBatch<B>>
  /** After every committed batch. */
  committed?: (batch: CommittedBatch<B>, writer: BatchWriter) => void
  /** After every failed attempt, and once at the end: the writer's counters may have moved. */
  counters?: (writer: BatchWriter) => void
}

/**
 * The transactional.id of an app's instance: stable across restarts on one host (so a restart fences
 * its predecessor), distinct between hosts.
 */
export function transactionalIdFor (app: string, groupId: string): string {
  return `streamfit-${app}-${groupId}-${hostname()}`
}

/** Runs attempts until the input times out, the signal aborts, or a failure is final. */
export async function runTransactional<B extends SinkBatch> (options: TransactionalRunOptions, hooks: TransactionalRunHooks<B>): Promise<void> {
  const { kafka, guarantee, transactionalId, logger } = options
  const exactlyOnce = guarantee === 'exactly-once'
  const consumer = createGroupConsumer({
    groupId: options.groupId,
    kafka,
    sessionTimeout: options.sessionTimeout,
    clientSuffix: options.clientSuffix,
    ...(exactlyOnce ? { groupInstanceId: transactionalId } : {})
  })
  const writer: BatchWriter = exactlyOnce
    ? new TransactionalWriter({ kafka, consumer, transactionalId, ...(logger !== undefined ? { logger } : {}) })
    : new AtLeastOnceWriter({ kafka, consumer })
  const counters = (): void => hooks.counters?.(writer)
  // Pin the subscription for the consumer's life. The client reference-counts subscribed topics
  // per open stream; a retry closes one stream and opens the next, and a count that touches
  // zero in between makes the member rejoin the group with no topics (a needless rebalance, and
  // a crash in the client's assignor when the rejoin and the new stream race).
  consumer.topics.trackAll(options.input)
  try {
    // A missing topic would otherwise surface as a retried send failure per batch.
    await requireTopics(kafka, [options.input, ...options.outputs])
    await writer.start()
    const sink = transactionalSink<B>(writer, options.sink)
    const run$ = defer(() => hooks.attempt({ consumer, sink })).pipe(
      retryBatches({ maxRetries: options.maxRetries, outageMs: kafka.brokerTimeoutMs ?? DEFAULT_BROKER_TIMEOUT_MS, outage: (s, last) => kafkaOutage(kafka, s, last), signal: options.signal, logger, onFailure: counters }),
      tap(committed => hooks.committed?.(committed, writer))
    )
    await lastValueFrom(run$, { defaultValue: undefined })
  } finally {
    counters()
    await writer.close()
    await consumer.close().catch(() => {})
  }
}
