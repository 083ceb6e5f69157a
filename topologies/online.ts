// Online learning (the tutorial's step 6), exactly-once in the model's state:
//
//   fromGroupBatches(train topic, group)        one mini-batch per poll
//     → shuffle(32) → decodeCsv                  bad records to the dead-letter topic
//     → predict (prequential validation)         every row scored before the model learns it
//     → fit K epochs in batches of 32            in a worker thread: heartbeats keep flowing
//     → every M batches or T s: save a version   weights + offsets consumed, one atomic Redis step
//     → then commit the group's offsets          for lag and tools; Kafka is not the truth
//
// A restarted trainer continues from the offsets stored with its latest version, written into
// the group's committed offsets before it joins (src/online/position-group.ts): a crash anywhere
// (even between the Redis save and the Kafka commit) never trains a row twice or skips one.
import { concatMap, from, fromEvent, lastValueFrom, of, takeUntil, toArray } from 'rxjs'
import type { Config, KafkaConfig } from '../src/config.js'
import { beginningOffsets, withAdmin } from '../src/kafka/admin.js'
import type { BackendPreference } from '../src/ml/backend.js'
import { ModelRunner } from '../src/ml/runner.js'
import { ConsumedOffsets } from '../src/online/consumed.js'
import { faultInjector } from '../src/online/fault.js'
import type { OnlineLineage } from '../src/online/lineage.js'
import { OnlineStore } from '../src/online/store.js'
import { positionGroup } from '../src/online/position-group.js'
import { PrequentialMetrics, type BatchScore, type PrequentialPoint } from '../src/online/prequential.js'
import { DEFAULT_SAVE_POLICY, SaveSchedule, type SavePolicy } from '../src/online/save-policy.js'
import { decodeCsv } from '../src/operators/decode-csv.js'
import { shuffle } from '../src/operators/shuffle.js'
import { toArrays, type ArrayBatch } from '../src/operators/to-arrays.js'
import type { KafkaRecord } from '../src/record.js'
import type { Logger } from '../src/runtime/logger.js'
import type { TopologyDescription } from '../src/runtime/describe.js'
import { metrics } from '../src/runtime/metrics.js'
import { KafkaDeadLetterSink } from '../src/sinks/dead-letter.js'
import { fromGroupBatches, type RecordBatch } from '../src/sources/group-batches.js'
import { createGroupConsumer } from '../src/sources/group-consumer.js'

export interface OnlineOptions {
  kafka: KafkaConfig
  redisUrl: string
  /** Registry key prefix. */
  registryPrefix: string
  /** Registry model name the versions are saved under (default "susy"). */
  model?: string
  topic: string
  /** Dead-letter topic for records that cannot be decoded. */
  dlqTopic: string
  /** Consumer group; one group is one lineage of versions (default "cgonline", as the tutorial). */
  groupId?: string
  /** Stop after this many ms without a new record; -1 (default) runs forever, as the tutorial. */
  streamTimeout?: number
  /** Epochs over each mini-batch (default 3, as the tutorial). */
  epochsPerBatch?: number
  /** Rows per gradient step inside a mini-batch (default 32, as the tutorial). */
  batchSize?: number
  /** Largest mini-batch taken from one poll (default 256). */
  maxRecords?: number
  /** When to save a version (default: every 10 mini-batches or 30 s). */
  savePolicy?: SavePolicy
  backend?: BackendPreference
  /** Seeds the model's initialisation, dropout and the shuffles (default: random). */
  seed?: number
  /** Keep only this lineage's newest N versions (default 0: keep every version). */
  keepVersions?: number
  /** Session timeout of the trainer's group membership, ms (default 10000). */
  sessionTimeout?: number
  /** Finish the current mini-batch, save, commit and return when this aborts (SIGTERM). */
  signal?: AbortSignal
  /** Called after each mini-batch (the CLI prints a line per call). */
  onBatch?: (progress: BatchProgress) => void
  logger?: Logger
}

export interface BatchProgress {
  /** Mini-batches trained in this run. */
  batch: number
  /** Rows in this mini-batch that were trained (dead letters excluded). */
  rows: number
  /** Rows trained in this run so far. */
  totalRows: number
  /** This mini-batch's prequential score (before training on it). */
  score: BatchScore
  /** Prequential accuracy and loss over the run so far. */
  prequentialAccuracy: number
  prequentialLoss: number
  /** Training loss of the last epoch over this mini-batch. */
  trainLoss: number
  /** The version the mini-batch was scored with; the version saved after it when `saved`. */
  version: string
  saved: boolean
}

export interface OnlineResult {
  /** Rows trained in this run. */
  rows: number
  batches: number
  /** Versions saved in this run, oldest first. */
  versions: string[]
  /** Prequential accuracy and loss over this run's rows (NaN when none). */
  prequentialAccuracy: number
  prequentialLoss: number
  /** Area under the ROC curve of this run's prequential scores. */
  prequentialAuc: number
  /** The version holding this run's last weights (or the one resumed from when nothing was trained). */
  model: string | null
  /** The version this run continued from (null: a new model). */
  resumedFrom: string | null
  deadLettered: number
  backend: string
  seconds: number
  /** The learning curve over this run: prequential accuracy after each mini-batch. */
  curve: PrequentialPoint[]
}

export const onlineDefaults = {
  model: 'susy',
  groupId: 'cgonline',
  streamTimeout: -1,
  epochsPerBatch: 3,
  batchSize: 32,
  maxRecords: 256,
  savePolicy: { everyBatches: 10, everyMs: 30_000 } satisfies SavePolicy,
  sessionTimeout: 10_000,
  keepVersions: 0
}

export function describe (config: Config): TopologyDescription {
  return {
    name: 'online',
    summary: 'Learns from every mini-batch of the train topic once: scores it (prequential validation), then fits it.',
    guarantee: 'exactly-once',
    guaranteeDetail: 'each model version is saved to Redis together with the offsets it consumed in one atomic step (a Lua script); ' +
      'a restart resumes from those offsets, so no record is trained twice or skipped',
    steps: [
      { kind: 'source', name: 'fromGroupBatches', topics: [config.topics.train], detail: `group ${onlineDefaults.groupId}, one mini-batch per poll (<= ${onlineDefaults.maxRecords} rows), offsets from the latest version` },
      { kind: 'processor', name: 'shuffle', detail: 'buffer 32' },
      { kind: 'processor', name: 'decodeCsv', sideOutputs: [config.topics.dlq] },
      { kind: 'processor', name: 'predict', detail: 'prequential accuracy and loss, before fitting' },
      { kind: 'processor', name: 'fit', detail: `${onlineDefaults.epochsPerBatch} epochs, batch ${onlineDefaults.batchSize}, worker thread` },
      { kind: 'sink', name: 'saveVersion', stores: [`redis:${config.registryPrefix}`], detail: 'weights + offsets in one atomic registry save, every 10 mini-batches or 30 s, and at stop' },
      { kind: 'sink', name: 'commitOffsets', topics: [config.topics.train], detail: 'after the save, for lag and tools' }
    ]
  }
}

/** Runs the online trainer until the stream times out or `signal` aborts. */
export async function runOnline (options: OnlineOptions): Promise<OnlineResult> {
  const o = { ...onlineDefaults, ...options }
  const { kafka, topic, groupId, logger } = o
  const started = performance.now()
  const signal = o.signal ?? new AbortController().signal
  const fault = faultInjector()
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31)

  const store = await OnlineStore.open({ redisUrl: o.redisUrl, prefix: o.registryPrefix, model: o.model })
  let runner: ModelRunner | undefined
  const consumer = createGroupConsumer({ groupId, kafka, sessionTimeout: o.sessionTimeout, highWaterMark: o.maxRecords, clientSuffix: 'online' })
  const deadLetter = new KafkaDeadLetterSink({ topic: o.dlqTopic, kafka })
  try {
    // 1. Where to start: this group's latest version on this incarnation of the topic.
    const topicInfo = await describeTopic(kafka, topic)
    const start = await store.resumePoint({ group: groupId, topic, topicId: topicInfo.id, beginning: await beginningOffsets(kafka, topic) })
    logger?.info({ version: start.version, positions: start.positions.map(String), lineage: start.lineage !== null }, start.lineage !== null
      ? `resuming ${start.version} at offsets ${start.positions.join(',')}`
      : start.version !== null ? `continuing the weights of ${start.version}, reading ${topic} from the beginning` : `new model, reading ${topic} from the beginning`)
    await positionGroup(kafka, {
      groupId,
      topic,
      offsets: start.positions,
      waitForEmptyMs: o.sessionTimeout + 5000,
      onWait: members => logger?.info({ members }, `group ${groupId} still has ${members} member(s) (a stopped trainer's session?); waiting up to ${o.sessionTimeout + 5000} ms`)
    })

    // 2. The model, in a worker thread.
    runner = await ModelRunner.create({
      backend: o.backend, seed,
      ...(start.version !== null ? { snapshot: await store.snapshot(start.version), version: start.version } : {})
    })
    const model = runner
    logger?.info({ backend: model.backend, params: model.params }, `model on the ${model.backend} backend`)
    metrics.modelVersion.set({ app: 'online', model: o.model }, versionNumber(start.version))

    const consumed = new ConsumedOffsets(start.positions)
    const lineageTotals = start.lineage ?? null
    const preqRun = new PrequentialMetrics()
    const preqLineage = new PrequentialMetrics(lineageTotals?.prequential)
    let lineageRows = lineageTotals?.rows ?? 0
    let lineageBatches = lineageTotals?.batches ?? 0
    let parent: string | null = start.lineage !== null ? start.version : null
    const schedule = new SaveSchedule(o.savePolicy)
    // Rows read since the last save: the source stops fetching at its high-water mark until
    // they are acknowledged, so a version is due before that (see saveLimit).
    const highWaterMark = o.maxRecords * (Math.min(o.savePolicy.everyBatches, 16) + 1)
    const saveLimit = highWaterMark - o.maxRecords
    let unsaved: RecordBatch[] = []
    let unsavedRecords = 0
    const versions: string[] = []
    let batches = 0
    let rows = 0
    let deadLettered = 0
    let shuffleSeed = seed

    const save = async (): Promise<void> => {
      if (!consumed.pending) return
      const lineage: OnlineLineage = {
        group: groupId,
        topic,
        topicId: topicInfo.id,
        parent,
        positions: consumed.positions.map(String),
        ranges: consumed.take(),
        rows: lineageRows,
        batches: lineageBatches,
        prequential: { rows: preqLineage.rows, accuracy: preqLineage.accuracy, loss: preqLineage.loss }
      }
      const version = await store.save(await model.snapshot(), {
        lineage,
        backend: model.backend,
        epochs: o.epochsPerBatch,
        metrics: { prequentialAccuracy: preqLineage.accuracy, prequentialLoss: preqLineage.loss, rows: lineageRows }
      })
      model.version = version
      parent = version
      versions.push(version)
      metrics.modelVersion.set({ app: 'online', model: o.model }, versionNumber(version))
      logger?.info({ version, positions: lineage.positions, rows: lineageRows }, `saved ${version}`)
      fault('after-save-before-commit')
      // Kafka's offsets follow the registry; a failed commit only delays lag tools, never data.
      const batchesToAck = unsaved
      unsaved = []
      unsavedRecords = 0
      schedule.saved()
      try {
        await Promise.all(batchesToAck.map(b => b.ack()))
      } catch (error) {
        logger?.warn({ err: error }, `committing offsets to Kafka failed (the next save commits them): ${(error as Error).message}`)
      }
      if (o.keepVersions > 0) {
        const pruned = await store.prune(lineage, o.keepVersions)
        if (pruned.length > 0) logger?.debug({ pruned }, `deleted ${pruned.length} old version(s) of this lineage`)
      }
    }

    const trainBatch = async (batch: RecordBatch): Promise<void> => {
      // A stop request: leave the batches read ahead for the next run (they are not acknowledged).
      if (signal.aborted) return
      metrics.recordsIn.inc({ app: 'online', topic }, batch.length)
      // The tutorial's mini-dataset pipeline: shuffle(32) → decode → arrays (fit batches by 32).
      const { xs, ys, n, examples } = await lastValueFrom(from(batch).pipe(
        shuffle<KafkaRecord>(32, shuffleSeed++),
        decodeCsv({ deadLetter }),
        toArray(),
        toArrays()
      ), { defaultValue: EMPTY_BATCH })
      const versionUsed = model.version
      let score: BatchScore = { rows: 0, correct: 0, accuracy: NaN, loss: NaN }
      let trainLoss = NaN
      if (n > 0) {
        const probabilities = await model.predict(xs, n)
        score = preqRun.add(probabilities, ys, n)
        preqLineage.add(probabilities, ys, n)
        const fit = await model.fit(xs, ys, n, { epochs: o.epochsPerBatch, batchSize: o.batchSize, shuffle: true })
        trainLoss = fit.loss[fit.loss.length - 1]
        metrics.trainingLoss.set({ app: 'online' }, trainLoss)
        metrics.trainingAccuracy.set({ app: 'online' }, preqRun.accuracy)
      }
      const trained = countByPartition([...examples])
      const read = countByPartition(batch.map(record => ({ record })))
      consumed.add(batch, p => ({ rows: trained.get(p) ?? 0, deadLettered: (read.get(p) ?? 0) - (trained.get(p) ?? 0) }))
      deadLettered += batch.length - n
      batches++
      rows += n
      lineageRows += n
      lineageBatches++
      unsaved.push(batch)
      unsavedRecords += batch.length
      fault('after-fit-before-save')
      logger?.debug({ batch: batches, rows: n, accuracy: score.accuracy, loss: score.loss, trainLoss, positions: consumed.positions.map(String) }, `trained mini-batch ${batches}`)
      const due = schedule.batchDone() || unsavedRecords >= saveLimit
      if (due) await save()
      o.onBatch?.({
        batch: batches, rows: n, totalRows: rows, score,
        prequentialAccuracy: preqRun.accuracy, prequentialLoss: preqRun.loss,
        trainLoss, version: due ? model.version : versionUsed, saved: due
      })
    }
    await lastValueFrom(fromGroupBatches({ topics: [topic], groupId, consumer, streamTimeout: o.streamTimeout, maxRecords: o.maxRecords, highWaterMark }).pipe(
      // A stop request ends the source; concatMap still finishes the mini-batch in hand.
      takeUntil(signal.aborted ? of(true) : fromEvent(signal, 'abort')),
      concatMap(trainBatch)
    ), { defaultValue: undefined })
    await save()

    return {
      rows,
      batches,
      versions,
      prequentialAccuracy: preqRun.accuracy,
      prequentialLoss: preqRun.loss,
      prequentialAuc: preqRun.auc,
      model: parent ?? start.version,
      resumedFrom: start.version,
      deadLettered,
      backend: model.backend,
      seconds: (performance.now() - started) / 1000,
      curve: [...preqRun.curve]
    }
  } finally {
    // force: the source closes its stream asynchronously after completing; a plain close would
    // refuse to leave the group while that stream is open and leak the connection.
    await new Promise<void>(resolve => consumer.close(true, error => {
      if (error) logger?.warn({ err: error }, `closing the group consumer failed: ${error.message}`)
      resolve()
    }))
    await deadLetter.close().catch(() => {})
    await runner?.close()
    await store.close()
  }
}

// What a mini-batch of only bad records packs into.
const EMPTY_BATCH: ArrayBatch = { xs: new Float32Array(0), ys: new Float32Array(0), n: 0, features: 18, examples: [] }

function countByPartition (items: Array<{ record: { partition: number } }>): Map<number, number> {
  const counts = new Map<number, number>()
  for (const { record } of items) counts.set(record.partition, (counts.get(record.partition) ?? 0) + 1)
  return counts
}

async function describeTopic (kafka: KafkaConfig, topic: string): Promise<{ id: string, partitions: number }> {
  return withAdmin(kafka, async admin => {
    const metadata = await admin.metadata({ topics: [topic] })
    const info = metadata.topics.get(topic)
    if (info === undefined) throw new Error(`topic ${topic} does not exist (run streamfit load first)`)
    return { id: info.id, partitions: info.partitionsCount }
  })
}

/** "susy@12" → 12, for the model-version gauge (0 for a model not saved yet). */
function versionNumber (version: string | null): number {
  const n = Number(version?.split('@')[1])
  return Number.isFinite(n) ? n : 0
}
