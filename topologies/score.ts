// Exactly-once scoring (the tutorial's inference step, with the guarantee it claims but lacks):
//
//   fromGroup(test topic, group)      committed offsets, read_committed, stream timeout
//     → batch(N, maxWaitMs)           one transaction per batch, bounded by count and time
//     → decodeCsv                     bad records become dead letters in the same transaction
//     → predict                       with whichever model is current at the batch boundary
//     → transactionalSink             predictions + dead letters + input offsets, one transaction
//     ↺ retry                         after an abort: re-read from the committed offsets
import { hostname } from 'node:os'
import { concatMap, defer, EMPTY, from, fromEvent, lastValueFrom, map, type Observable, retry, takeUntil, tap, throwError, timer, toArray } from 'rxjs'
import type { Config, KafkaConfig } from '../src/config.js'
import { requireTopics } from '../src/kafka/admin.js'
import type { Predictor } from '../src/ml/predictor.js'
import { batch } from '../src/operators/batch.js'
import { decodeCsv, type DecodeCsvOperator, type Example } from '../src/operators/decode-csv.js'
import type { KafkaRecord } from '../src/record.js'
import type { TopologyDescription } from '../src/runtime/describe.js'
import type { Logger } from '../src/runtime/logger.js'
import { metrics } from '../src/runtime/metrics.js'
import { CollectingDeadLetterSink } from '../src/sinks/dead-letter.js'
import { toPrediction, toPredictionMessage } from '../src/sinks/predictions.js'
import { FencedError, RebalanceError } from '../src/errors.js'
import { TransactionalWriter, transactionalSink, type CommittedBatch, type ProcessingGuarantee, type SinkBatch } from '../src/sinks/transactional.js'
import { DEFAULT_HIGH_WATER_MARK, FlowControl } from '../src/sources/flow-control.js'
import { fromGroup } from '../src/sources/group.js'
import { createGroupConsumer } from '../src/sources/group-consumer.js'

export interface ScoreOptions {
  kafka: KafkaConfig
  /** Input topic (default susy-test). */
  topic: string
  /** Where predictions go (default susy-predictions). */
  predictionsTopic: string
  /** Where undecodable records go, inside the same transaction (default susy-dlq). */
  dlqTopic: string
  /** The model. A function is called at every batch boundary, so a new version can be swapped in. */
  predictor: Predictor | (() => Predictor)
  groupId?: string
  batchSize?: number
  /** A batch (and its transaction) closes after this many ms even when not full. */
  maxWaitMs?: number
  /** Complete after this many ms without a record; -1 runs forever. */
  streamTimeout?: number
  /** Stable per instance, unique among running ones (default streamfit-score-<group>-<host>). */
  transactionalId?: string
  guarantee?: ProcessingGuarantee
  /** Group session timeout, ms: how long a crashed scorer keeps its partitions. */
  sessionTimeout?: number
  /** Consecutive failed attempts (each aborted and re-read) before giving up. */
  maxRetries?: number
  /** Aborting it finishes the batch in hand (commits it), then stops. */
  signal?: AbortSignal
  logger?: Logger
  /** Called after every committed batch. */
  onBatch?: (batch: CommittedBatch, totals: ScoreResult) => void
}

export interface ScoreResult {
  /** Input records whose offsets were committed (scored or dead-lettered). */
  records: number
  batches: number
  transactions: number
  aborted: number
  /** Wall time of the run, idle waits (the stream timeout) included. */
  seconds: number
  /** From the first batch read to the last batch committed: the time spent scoring. */
  busySeconds: number
  /** records / busySeconds. */
  recordsPerSecond: number
  /** The model version of the last batch ('' when nothing was scored). */
  model: string
  predictions: number
  deadLettered: number
  guarantee: ProcessingGuarantee
}

export const scoreDefaults = {
  groupId: 'score',
  batchSize: 1024,
  maxWaitMs: 100,
  streamTimeout: 10_000,
  guarantee: 'exactly-once' as ProcessingGuarantee,
  sessionTimeout: 10_000,
  maxRetries: 30
}

export function defaultTransactionalId (groupId: string): string {
  return `streamfit-score-${groupId}-${hostname()}`
}

export function describe (config: Config): TopologyDescription {
  return {
    name: 'score',
    summary: 'Scores the test topic with the latest model and writes one prediction per input record.',
    guarantee: 'exactly-once',
    guaranteeDetail: 'predictions, dead letters and the input offsets commit in one Kafka transaction per batch; ' +
      'an abort re-reads from the committed offsets; zombies are fenced by transactional id and group generation',
    steps: [
      { kind: 'source', name: 'fromGroup', topics: [config.topics.test], detail: `group ${scoreDefaults.groupId}, read_committed, no auto-commit, stream timeout ${scoreDefaults.streamTimeout} ms` },
      { kind: 'processor', name: 'batch', detail: `${scoreDefaults.batchSize} records or ${scoreDefaults.maxWaitMs} ms` },
      { kind: 'processor', name: 'decodeCsv', sideOutputs: [config.topics.dlq] },
      { kind: 'processor', name: 'predict', stores: [`redis:${config.registryPrefix}`] },
      { kind: 'sink', name: 'transactionalSink', topics: [config.topics.predictions, config.topics.dlq] }
    ]
  }
}

/** Runs the scorer until the stream times out or `signal` aborts; resolves to its totals. */
export async function runScore (options: ScoreOptions): Promise<ScoreResult> {
  const o = { ...scoreDefaults, ...options }
  const { kafka, logger, signal } = o
  const current = typeof o.predictor === 'function' ? o.predictor : () => o.predictor as Predictor
  const transactionalId = o.transactionalId ?? defaultTransactionalId(o.groupId)
  // The transactional id doubles as the static group member id: a restarted scorer takes its
  // partitions back at once (no rebalance, no wait for the dead member's session to expire),
  // and its predecessor is fenced twice, by producer epoch and by group member.
  const consumer = createGroupConsumer({
    groupId: o.groupId,
    kafka,
    sessionTimeout: o.sessionTimeout,
    clientSuffix: 'score',
    ...(o.guarantee === 'exactly-once' ? { groupInstanceId: transactionalId } : {})
  })
  const writer = new TransactionalWriter({ kafka, consumer, guarantee: o.guarantee, transactionalId, logger })
  const dlq = new CollectingDeadLetterSink({ topic: o.dlqTopic })
  const decode = decodeCsv({ deadLetter: dlq, requireLabel: false })
  const totals: ScoreResult = { records: 0, batches: 0, transactions: 0, aborted: 0, seconds: 0, busySeconds: 0, recordsPerSecond: 0, model: '', predictions: 0, deadLettered: 0, guarantee: o.guarantee }
  const labels = { app: 'score' }
  const started = performance.now()
  let firstBatchAt: number | undefined
  let lastCommitAt: number | undefined
  const countAborted = (): void => {
    if (writer.aborted > totals.aborted) metrics.transactions.inc({ ...labels, outcome: 'aborted' }, writer.aborted - totals.aborted)
    totals.aborted = writer.aborted
  }

  const attempt = (): Observable<CommittedBatch<ScoredBatch>> => defer(() => {
    // One credit pool per attempt: an aborted attempt's records are forgotten with it.
    const flow = new FlowControl(Math.max(DEFAULT_HIGH_WATER_MARK, 4 * o.batchSize))
    const records$ = fromGroup({ topics: [o.topic], groupId: o.groupId, consumer, streamTimeout: o.streamTimeout, flow })
    return untilAborted(records$, signal).pipe(
      batch(o.batchSize, { maxWaitMs: o.maxWaitMs }),
      tap(() => { firstBatchAt ??= performance.now() }),
      concatMap(records => decodeBatch(records, decode, dlq)),
      concatMap(decoded => predictBatch(decoded, current(), o.predictionsTopic)),
      transactionalSink<ScoredBatch>(writer),
      tap(committed => flow.release(committed.records))
    )
  })

  // Pin the subscription for the consumer's life. The client reference-counts subscribed topics
  // per open stream; a retry closes one stream and opens the next, and a count that touches
  // zero in between makes the member rejoin the group with no topics (a needless rebalance, and
  // a crash in the client's assignor when the rejoin and the new stream race).
  consumer.topics.trackAll(o.topic)
  try {
    // A missing topic would otherwise surface as a retried send failure per batch.
    await requireTopics(kafka, [o.topic, o.predictionsTopic, o.dlqTopic])
    await writer.start()
    const run$ = attempt().pipe(
      retry({
        resetOnSuccess: true,
        delay: (error: unknown, n: number) => {
          countAborted()
          // Stopping: what failed is not committed and will be read again; end cleanly.
          if (signal?.aborted === true && !(error instanceof FencedError)) return EMPTY
          if (error instanceof FencedError || n > o.maxRetries) return throwError(() => error)
          const wait = error instanceof RebalanceError ? 0 : Math.min(100 * 2 ** (n - 1), 5_000)
          logger?.warn({ err: error, attempt: n, retryInMs: wait }, `batch failed (${(error as Error)?.message}); aborted, re-reading from the committed offsets`)
          return timer(wait)
        }
      }),
      tap(committed => {
        const { model, deadLetters } = committed.batch
        lastCommitAt = performance.now()
        totals.records += committed.records
        totals.batches++
        totals.predictions += committed.messages - deadLetters
        totals.deadLettered += deadLetters
        totals.transactions = writer.transactions
        countAborted()
        if (model !== totals.model) {
          if (totals.model) metrics.modelVersion.remove({ ...labels, model: totals.model })
          metrics.modelVersion.set({ ...labels, model }, 1)
          totals.model = model
        }
        metrics.recordsIn.inc({ ...labels, topic: o.topic }, committed.records)
        metrics.recordsOut.inc({ ...labels, topic: o.predictionsTopic }, committed.messages - deadLetters)
        if (deadLetters > 0) metrics.deadLettered.inc({ ...labels, reason: 'decode' }, deadLetters)
        metrics.transactions.inc({ ...labels, outcome: o.guarantee === 'exactly-once' ? 'committed' : 'none' })
        metrics.batchSeconds.observe(labels, committed.seconds)
        o.onBatch?.(committed, totals)
      })
    )
    await lastValueFrom(run$, { defaultValue: undefined })
  } finally {
    countAborted()
    await writer.close()
    await consumer.close().catch(() => {})
  }
  totals.seconds = (performance.now() - started) / 1000
  totals.busySeconds = firstBatchAt !== undefined && lastCommitAt !== undefined ? (lastCommitAt - firstBatchAt) / 1000 : 0
  totals.recordsPerSecond = totals.busySeconds > 0 ? totals.records / totals.busySeconds : 0
  return totals
}

interface DecodedBatch {
  records: KafkaRecord[]
  examples: Example[]
  deadLetters: SinkBatch['messages']
}

// decodeCsv runs synchronously per record, so running it over one batch yields exactly that
// batch's examples and dead letters: a bad record's offset commits with its dead letter.
function decodeBatch (records: KafkaRecord[], decode: DecodeCsvOperator, dlq: CollectingDeadLetterSink): Observable<DecodedBatch> {
  return from(records).pipe(decode, toArray(), map(examples => ({ records, examples, deadLetters: dlq.take() })))
}

interface ScoredBatch extends SinkBatch {
  model: string
  deadLetters: number
}

async function predictBatch (decoded: DecodedBatch, predictor: Predictor, topic: string): Promise<ScoredBatch> {
  const { examples, deadLetters, records } = decoded
  const n = examples.length
  const model = predictor.version
  const messages: SinkBatch['messages'] = []
  if (n > 0) {
    const width = examples[0]!.features.length
    const xs = new Float32Array(n * width)
    for (let i = 0; i < n; i++) xs.set(examples[i]!.features, i * width)
    const scores = await predictor.predict(xs, n)
    const scoredAt = new Date().toISOString()
    for (let i = 0; i < n; i++) {
      const { record, label } = examples[i]!
      messages.push(toPredictionMessage(topic, record, toPrediction(record, scores[i]!, label, model, scoredAt)))
    }
  }
  for (const d of deadLetters) messages.push(d)
  return { records, messages, model, deadLetters: deadLetters.length }
}

function untilAborted<T> (source: Observable<T>, signal: AbortSignal | undefined): Observable<T> {
  if (signal === undefined) return source
  if (signal.aborted) return EMPTY
  return source.pipe(takeUntil(fromEvent(signal, 'abort')))
}
