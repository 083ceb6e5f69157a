// Exactly-once scoring (the tutorial's inference step, with the guarantee it claims but lacks):
//
//   fromGroup(test topic, group)      committed offsets, read_committed, stream timeout
//     → batch(N, maxWaitMs)           bounded by count and time
//     → decode                        as the model's dataset spec says (SUSY's: decodeCsv);
//                                     bad records become dead letters in the same transaction
//     → predict                       with whichever model is current at the batch boundary;
//                                     one prediction per record, shaped by the task
//     → transactionalSink             predictions + dead letters + input offsets, one transaction
//                                     per commit interval (full batches gather; a partial one goes at once)
//     ↺ retry                         after an abort: re-read from the committed offsets
import { concatMap, from, map, type Observable, tap, toArray } from 'rxjs'
import type { KafkaConfig } from '../src/config.js'
import type { Predictor } from '../src/ml/predictor.js'
import { batch } from '../src/operators/batch.js'
import type { Example } from '../src/operators/decode-csv.js'
import type { ConsumedRecord } from '../src/record.js'
import { UsageError } from '../src/errors.js'
import type { Logger } from '../src/runtime/logger.js'
import { metrics } from '../src/runtime/metrics.js'
import { CollectingDeadLetterSink } from '../src/sinks/dead-letter.js'
import { deadLetterReasons } from '../src/sinks/dead-letter-reasons.js'
import { taskPredictionMessages } from '../src/codec/task-prediction.js'
import { specDecoder, type SpecDecodeOperator } from '../src/spec/decoder.js'
import { susySpec } from '../src/spec/susy.js'
import { isResolved, type DatasetSpec, type ResolvedSpec } from '../src/spec/types.js'
import { BusyClock } from '../src/runtime/busy-clock.js'
import { runTransactional, transactionalIdFor } from '../src/runtime/exactly-once.js'
import { decodeStep, predictStep } from './decode-step.js'
import { streamTimeoutDetail } from '../src/runtime/describe.js'
import { withDefaults, type Topology } from '../src/runtime/topology.js'
import { untilAborted } from '../src/runtime/until-aborted.js'
import type { BatchWriter, CommittedBatch, ProcessingGuarantee, SinkBatch } from '../src/sinks/sink-batch.js'
import { FlowControl } from '../src/sources/flow-control.js'
import { fromGroup } from '../src/sources/group.js'

/** What a scorer runs with, apart from its clients and callbacks; `scoreTopology.settings` fills defaults. */
export interface ScoreInput {
  /** Input topic. */
  topic: string
  /** Where predictions go. */
  predictionsTopic: string
  /** Where undecodable records go, inside the same transaction. */
  dlqTopic: string
  groupId?: string
  batchSize?: number
  /** A batch closes after this many ms even when not full (and its transaction commits at once). */
  maxWaitMs?: number
  /**
   * Full batches gather for up to this many ms into one transaction (Kafka Streams'
   * commit.interval.ms); 0: one transaction per batch.
   */
  commitIntervalMs?: number
  /** Complete after this many ms without a record; -1 runs forever. */
  streamTimeout?: number
  /** Stable per instance, unique among running ones (default streamfit-score-<group>-<host>). */
  transactionalId?: string
  guarantee?: ProcessingGuarantee
  /** Group session timeout, ms: how long a crashed scorer keeps its partitions. */
  sessionTimeout?: number
  /** Consecutive failed attempts (each aborted and re-read) before giving up. */
  maxRetries?: number
  /**
   * How records are laid out when the model does not say (a model trained by streamfit stores
   * the spec it read, and that one decodes); default SUSY's.
   */
  spec?: DatasetSpec
}

/** The input with every default applied: what runs, and what `describe` prints. */
export type ScoreSettings = Required<Omit<ScoreInput, 'spec'>> & { spec?: DatasetSpec }

export interface ScoreOptions extends ScoreInput {
  kafka: KafkaConfig
  /** The model. A function is called at every batch boundary, so a new version can be swapped in. */
  predictor: Predictor | (() => Predictor)
  /** Aborting it finishes the batch in hand (commits it), then stops. */
  signal?: AbortSignal
  logger?: Logger
  /** Called after every committed batch. */
  onBatch?: (batch: CommittedBatch, totals: ScoreResult) => void
}

/** What a score run did: records, batches, transactions and dead letters. */
export interface ScoreResult {
  /** Input records whose offsets were committed (scored or dead-lettered). */
  records: number
  batches: number
  transactions: number
  aborted: number
  /** Wall time of the run, idle waits (the stream timeout) included. */
  seconds: number
  /**
   * Time with a batch in hand (formed, not yet committed), overlapping batches counted once: the
   * time spent scoring. Idle gaps between batches of a trickling input are not in it.
   */
  busySeconds: number
  /** records / busySeconds. */
  recordsPerSecond: number
  /** The model version of the last batch ('' when nothing was scored). */
  model: string
  predictions: number
  deadLettered: number
  guarantee: ProcessingGuarantee
}

/** Records a scorer reads ahead of its sink (at least 16 batches). */
export const SCORE_READ_AHEAD = 65_536

/** The defaults of a score run, in one place. */
export const scoreDefaults = {
  groupId: 'score',
  batchSize: 1024,
  maxWaitMs: 100,
  commitIntervalMs: 100,
  streamTimeout: 10_000,
  guarantee: 'exactly-once' as ProcessingGuarantee,
  sessionTimeout: 10_000,
  maxRetries: 30
}

/** streamfit-score-<group>-<host>: stable across restarts on one host, unique per group. */
export function defaultTransactionalId (groupId: string): string {
  return transactionalIdFor('score', groupId)
}

/** The score app as data: its settings and the pipeline it runs (what `streamfit describe score` prints). */
export const scoreTopology: Topology<ScoreInput, ScoreSettings> = {
  name: 'score',
  settings: input => {
    const s = withDefaults(scoreDefaults, input)
    const { topic, predictionsTopic, dlqTopic } = input
    return { topic, predictionsTopic, dlqTopic, ...s, transactionalId: input.transactionalId ?? defaultTransactionalId(s.groupId), ...(input.spec !== undefined ? { spec: input.spec } : {}) }
  },
  describe: (s, { registryPrefix }) => ({
    name: 'score',
    summary: 'Scores the test topic with the latest model and writes one prediction per input record.',
    guarantee: s.guarantee,
    guaranteeDetail: s.guarantee === 'exactly-once'
      ? `predictions, dead letters and the input offsets commit in one Kafka transaction per ${transactionScope(s)}; ` +
        `an abort re-reads from the committed offsets; zombies are fenced by transactional id (${s.transactionalId}) and group generation`
      : `predictions are sent, then the input offsets committed (once per ${transactionScope(s)}): a failure in between writes them again`,
    steps: [
      { kind: 'source', name: 'fromGroup', topics: [s.topic], detail: `group ${s.groupId}, read_committed, no auto-commit, ${streamTimeoutDetail(s.streamTimeout)}, session timeout ${s.sessionTimeout} ms` },
      { kind: 'processor', name: 'batch', detail: `${s.batchSize} records or ${s.maxWaitMs} ms` },
      decodeStep(s.spec, s.dlqTopic, { requireLabel: false }),
      predictStep(s.spec, registryPrefix),
      { kind: 'sink', name: 'transactionalSink', topics: [s.predictionsTopic, s.dlqTopic], detail: `${s.guarantee}, one ${s.guarantee === 'exactly-once' ? 'transaction' : 'offset commit'} per ${transactionScope(s)}, up to ${s.maxRetries} retries in a row` }
    ]
  })
}

function transactionScope (s: ScoreSettings): string {
  return s.commitIntervalMs > 0 ? `commit interval (${s.commitIntervalMs} ms; full batches gather, a partial one commits at once)` : 'batch'
}

/** Runs the scorer until the stream times out or `signal` aborts; resolves to its totals. */
export async function runScore (options: ScoreOptions): Promise<ScoreResult> {
  const o = { ...options, ...scoreTopology.settings(options) }
  const current = typeof o.predictor === 'function' ? o.predictor : () => o.predictor as Predictor
  const dlq = new CollectingDeadLetterSink({ topic: o.dlqTopic })
  // One decoder per layout: a model swapped in brings the spec it was trained on.
  const fallback = o.spec === undefined ? susySpec({ topics: { train: '', test: o.topic, predictions: o.predictionsTopic, dlq: o.dlqTopic } }) : o.spec
  const decoders = new Map<ResolvedSpec, SpecDecodeOperator>()
  const decoderFor = (predictor: Predictor): { layout: ResolvedSpec, decode: SpecDecodeOperator } => {
    const layout = predictor.spec ?? (isResolved(fallback) ? fallback : undefined)
    if (layout === undefined) throw new UsageError(`${predictor.version} stores no dataset spec, and the one given has categories or classes still to learn: score with a model trained on it (streamfit train --spec)`)
    let decode = decoders.get(layout)
    if (decode === undefined) decoders.set(layout, decode = specDecoder(layout, { deadLetter: dlq, requireLabel: false }))
    return { layout, decode }
  }
  const totals: ScoreResult = { records: 0, batches: 0, transactions: 0, aborted: 0, seconds: 0, busySeconds: 0, recordsPerSecond: 0, model: '', predictions: 0, deadLettered: 0, guarantee: o.guarantee }
  const labels = { app: 'score' }
  const started = performance.now()
  // Records read ahead of the sink. The source pauses at this many and resumes at half: enough
  // that the sink always has a full transaction queued while the next fetches are under way
  // (16,384 left the machine 30% idle, fetching in bursts; 65,536 scored 1.2x faster in
  // bench/score.ts). A transaction takes at most a quarter.
  const inFlight = Math.max(SCORE_READ_AHEAD, 16 * o.batchSize)
  const clock = new BusyClock()
  const countAborted = (writer: BatchWriter): void => {
    if (writer.aborted > totals.aborted) metrics.transactions.inc({ ...labels, outcome: 'aborted' }, writer.aborted - totals.aborted)
    totals.aborted = writer.aborted
  }

  decoderFor(current()) // a spec that cannot decode fails here, in one line, before any Kafka work
  await runTransactional<ScoredBatch>({
    kafka: o.kafka,
    groupId: o.groupId,
    input: o.topic,
    outputs: [o.predictionsTopic, o.dlqTopic],
    guarantee: o.guarantee,
    transactionalId: o.transactionalId,
    sessionTimeout: o.sessionTimeout,
    maxRetries: o.maxRetries,
    clientSuffix: 'score',
    sink: { commitIntervalMs: o.commitIntervalMs, fullBatch: o.batchSize, maxRecords: inFlight / 4 },
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
    ...(o.logger !== undefined ? { logger: o.logger } : {})
  }, {
    attempt: ({ consumer, sink }) => {
      // One credit pool per attempt: an aborted attempt's records are forgotten with it.
      const flow = new FlowControl(inFlight)
      clock.drop() // a failed attempt's uncommitted batches are read again, and timed again
      return fromGroup({ topics: [o.topic], groupId: o.groupId, consumer, streamTimeout: o.streamTimeout, flow }).pipe(
        untilAborted(o.signal),
        batch(o.batchSize, { maxWaitMs: o.maxWaitMs }),
        tap(() => clock.start()),
        concatMap(records => {
          const predictor = current()
          const { layout, decode } = decoderFor(predictor)
          return decodeBatch(records, decode, dlq).pipe(concatMap(decoded => predictBatch(decoded, predictor, layout, o.predictionsTopic)))
        }),
        sink,
        tap(committed => flow.release(committed.records))
      )
    },
    counters: countAborted,
    committed: (committed, writer) => {
      const { model, deadLetters } = committed.batch
      clock.stop()
      totals.records += committed.records
      totals.batches++
      totals.predictions += committed.messages - deadLetters
      totals.deadLettered += deadLetters
      countAborted(writer)
      if (model !== totals.model) {
        if (totals.model) metrics.modelVersion.remove({ ...labels, model: totals.model })
        metrics.modelVersion.set({ ...labels, model }, 1)
        totals.model = model
      }
      metrics.recordsIn.inc({ ...labels, topic: o.topic }, committed.records)
      metrics.recordsOut.inc({ ...labels, topic: o.predictionsTopic }, committed.messages - deadLetters)
      if (deadLetters > 0) {
        // The dead-letter topic is a sink too; dead letters go last in a batch's messages.
        metrics.recordsOut.inc({ ...labels, topic: o.dlqTopic }, deadLetters)
        for (const [reason, n] of deadLetterReasons(committed.batch.messages.slice(-deadLetters))) metrics.deadLettered.inc({ ...labels, reason }, n)
      }
      // Batches that shared a transaction count it once, and share its time.
      if (o.guarantee === 'exactly-once') {
        if (writer.transactions > totals.transactions) metrics.transactions.inc({ ...labels, outcome: 'committed' }, writer.transactions - totals.transactions)
      } else metrics.transactions.inc({ ...labels, outcome: 'none' })
      totals.transactions = writer.transactions
      metrics.batchSeconds.observe(labels, committed.seconds / committed.together)
      o.onBatch?.(committed, totals)
    }
  })
  totals.seconds = (performance.now() - started) / 1000
  clock.drop()
  totals.busySeconds = clock.ms() / 1000
  totals.recordsPerSecond = totals.busySeconds > 0 ? totals.records / totals.busySeconds : 0
  return totals
}

interface DecodedBatch {
  records: ConsumedRecord[]
  examples: Example[]
  deadLetters: SinkBatch['messages']
}

// decodeCsv runs synchronously per record, so running it over one batch yields exactly that
// batch's examples and dead letters: a bad record's offset commits with its dead letter.
function decodeBatch (records: ConsumedRecord[], decode: SpecDecodeOperator, dlq: CollectingDeadLetterSink): Observable<DecodedBatch> {
  return from(records).pipe(decode, toArray(), map(examples => ({ records, examples, deadLetters: dlq.take() })))
}

interface ScoredBatch extends SinkBatch {
  model: string
  deadLetters: number
}

async function predictBatch (decoded: DecodedBatch, predictor: Predictor, layout: ResolvedSpec, topic: string): Promise<ScoredBatch> {
  const { examples, deadLetters, records } = decoded
  const n = examples.length
  const model = predictor.version
  let messages: SinkBatch['messages'] = []
  if (n > 0) {
    const width = examples[0]!.features.length
    const xs = new Float32Array(n * width)
    for (let i = 0; i < n; i++) xs.set(examples[i]!.features, i * width)
    const outputs = await predictor.predict(xs, n)
    messages = taskPredictionMessages(topic, layout.task, examples, outputs, model, new Date().toISOString())
  }
  for (const d of deadLetters) messages.push(d)
  return { records, messages, model, deadLetters: deadLetters.length }
}
