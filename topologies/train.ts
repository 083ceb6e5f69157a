// Training from Kafka (the tutorial's step 4), epoch after epoch:
//
//   fromPartition(train topic, 0, up to the end offset at start)   one fresh read per epoch
//     → shuffle(64)                  tf.data-style buffer, reshuffled every epoch (seeded)
//     → decodeCsv                    bad records to the dead-letter topic (in the first epoch)
//     → batch(64) → toArrays         flat float32 features and labels
//     → trainBatches(runner)         one Adam step per batch, in the model's worker thread
//                                    (features standardised with mean/std learnt in epoch 1)
//   then saveTraining: the model, its metrics and the offsets it consumed go to the registry, the
//   curves to a plot.
import { from, fromEvent, lastValueFrom, takeUntil, tap, type Observable } from 'rxjs'
import { UsageError, type KafkaConfig } from '../src/config.js'
import { endOffsets } from '../src/kafka/admin.js'
import { DEFAULT_BACKEND, type BackendPreference } from '../src/ml/backend.js'
import { EpochMeter, type EpochProgress } from '../src/ml/epoch-meter.js'
import { ModelRunner } from '../src/ml/runner.js'
import { trainBatches } from '../src/ml/train-batches.js'
import { batch } from '../src/operators/batch.js'
import { decodeCsv } from '../src/operators/decode-csv.js'
import { shuffle } from '../src/operators/shuffle.js'
import { toArrays } from '../src/operators/to-arrays.js'
import { writeTrainingPlot } from '../src/plot/training-plot.js'
import { DEFAULT_MODEL_NAME } from '../src/registry/refs.js'
import type { ModelRegistry } from '../src/registry/registry.js'
import type { ConsumedRecord } from '../src/record.js'
import { withDefaults, type Topology } from '../src/runtime/topology.js'
import { KafkaDeadLetterSink, type DeadLetterSink } from '../src/sinks/dead-letter.js'
import { fromPartition } from '../src/sources/partition.js'

/** What a training run runs with, apart from its model and callbacks; `trainTopology.settings` fills defaults. */
export interface TrainInput {
  topic: string
  /** Where undecodable records go (written once, in the first epoch). */
  dlqTopic: string
  partition?: number
  epochs?: number
  batchSize?: number
  shuffleBuffer?: number
  backend?: BackendPreference
  /** Seeds weights, dropout and the shuffle: the same seed and data give the same model (default: random). */
  seed?: number
  /**
   * Standardise features with mean/std learnt from the stream in the first epoch, then frozen
   * and stored with the model (default true: +0.004 test AUC on the 8k SUSY split, see README).
   */
  standardize?: boolean
  /** Keep epoch 1's records in memory and replay them instead of re-reading Kafka. */
  cache?: boolean
  /** Registry name the trained version is saved under (see saveTraining). */
  model?: string
}

/** The input with every default applied (the seed stays optional: unset means a random one). */
export type TrainSettings = Required<Omit<TrainInput, 'seed'>> & Pick<TrainInput, 'seed'>

export interface TrainOptions extends TrainInput {
  kafka: KafkaConfig
  /** Train this model (e.g. a stored version, or for a benchmark) instead of a new one. */
  runner?: ModelRunner
  /** Stops after the step in hand; the model trained so far is returned. */
  signal?: AbortSignal
  /** Called once the model's backend is loaded (with why faster ones were skipped). */
  onStart?: (backend: string, skippedBackends: string[]) => void
  /** After each step; `totalSteps` is the epoch's step count (estimated from offsets in epoch 1). */
  onStep?: (progress: EpochProgress, totalSteps: number) => void
  onEpoch?: (epoch: EpochProgress) => void
}

export interface TrainResult {
  runner: ModelRunner
  epochs: EpochProgress[]
  /** Rows in one epoch (the decoded records of the partition range). */
  rows: number
  /** Next offset after the range trained on, per topic and partition (for the registry). */
  offsets: Record<string, Record<number, bigint>>
  deadLettered: number
  /** Training rows per second over all epochs. */
  rowsPerSecond: number
  seconds: number
  interrupted: boolean
  /** The seed the run used (the one given, or the random one chosen). */
  seed: number
}

export const trainDefaults = { partition: 0, epochs: 10, batchSize: 64, shuffleBuffer: 64, standardize: true, cache: false, backend: DEFAULT_BACKEND, model: DEFAULT_MODEL_NAME }

export const trainTopology: Topology<TrainInput, TrainSettings> = {
  name: 'train',
  settings: input => ({
    topic: input.topic,
    dlqTopic: input.dlqTopic,
    ...withDefaults(trainDefaults, input),
    ...(input.seed !== undefined ? { seed: input.seed } : {})
  }),
  describe: (s, { registryPrefix }) => ({
    name: 'train',
    summary: 'Fits the SUSY model on the train topic for several epochs, each a fresh read of the partition, and saves a version.',
    guarantee: 'none',
    guaranteeDetail: 'a batch job over a fixed offset range: re-run it to retrain',
    steps: [
      { kind: 'source', name: 'fromPartition', topics: [s.topic], detail: `partition ${s.partition}, offset 0 to the end offset at start, ${s.cache ? 'read once and replayed from memory' : 're-read every epoch'}` },
      { kind: 'processor', name: 'shuffle', detail: `buffer ${s.shuffleBuffer}, reshuffled each epoch, seed ${s.seed ?? 'random'}` },
      { kind: 'processor', name: 'decodeCsv', sideOutputs: [s.dlqTopic] },
      { kind: 'processor', name: 'batch', detail: `${s.batchSize} rows` },
      { kind: 'processor', name: 'trainBatches', detail: `${s.epochs} epochs, Adam, binary cross-entropy, ${s.standardize ? 'standardised features, ' : ''}${s.backend} backend, worker thread` },
      { kind: 'sink', name: 'saveTraining', stores: [`redis:${registryPrefix}model:${s.model}`], detail: 'topology, weights, metrics, offsets: one atomic step' }
    ]
  })
}

export async function runTrain (options: TrainOptions): Promise<TrainResult> {
  const o = { ...options, ...trainTopology.settings(options) }
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31)
  const started = performance.now()
  const runner = o.runner ?? await ModelRunner.create({ backend: o.backend, seed, learnScaler: o.standardize })
  o.onStart?.(runner.backend, runner.skippedBackends)
  const end = await endOffsets(o.kafka, o.topic, { readCommitted: true }).then(
    offsets => offsets[o.partition] ?? 0n,
    async error => { await runner.close(); throw error })
  const deadLetter = new KafkaDeadLetterSink({ kafka: o.kafka, topic: o.dlqTopic })
  const cached: ConsumedRecord[] = []
  const epochs: EpochProgress[] = []
  const stop$ = o.signal ? fromEvent(o.signal, 'abort') : from([])
  const shuffled = shuffle<ConsumedRecord>(o.shuffleBuffer, seed)
  let rows = Number(end) // an estimate until the first epoch has counted them
  try {
    for (let epoch = 1; epoch <= o.epochs && o.signal?.aborted !== true; epoch++) {
      const first = epoch === 1
      const records$: Observable<ConsumedRecord> = first || !o.cache
        ? fromPartition({ kafka: o.kafka, topic: o.topic, partition: o.partition, stop: end })
        : from(cached)
      const meter = new EpochMeter(epoch)
      const decode = decodeCsv({ deadLetter: first ? deadLetter : alreadyReported })
      await lastValueFrom(records$.pipe(
        tap(record => { if (first && o.cache) cached.push(record) }),
        shuffled,
        decode,
        batch(o.batchSize),
        toArrays({ reuse: true }),
        trainBatches(runner),
        tap(step => {
          const progress = meter.add(step)
          o.onStep?.(progress, Math.ceil(rows / o.batchSize))
        }),
        takeUntil(stop$)
      ), { defaultValue: undefined })
      if (first) {
        rows = meter.progress().rows
        if (rows === 0) break // nothing (decodable) to train on
        if (o.standardize) await runner.freezeScaler()
      }
      const done = meter.progress()
      if (done.rows < rows) break // stopped mid-epoch: not a finished epoch
      epochs.push(done)
      o.onEpoch?.(done)
    }
  } catch (error) {
    await runner.close()
    throw error
  } finally {
    await deadLetter.close()
  }
  const seconds = (performance.now() - started) / 1000
  const trainedRows = epochs.reduce((s, e) => s + e.rows, 0)
  return {
    runner,
    epochs,
    rows,
    offsets: { [o.topic]: { [o.partition]: end } },
    deadLettered: deadLetter.total,
    rowsPerSecond: trainedRows / epochs.reduce((s, e) => s + e.seconds, 0),
    seconds,
    interrupted: o.signal?.aborted === true,
    seed
  }
}

/** Epochs after the first meet the same bad records again: they were dead-lettered once already. */
const alreadyReported: DeadLetterSink = { write: () => {}, counts: {}, total: 0 }

export interface SavedTraining {
  /** The version saved, "name@version". */
  ref: string
  version: number
  /** Where the loss/accuracy plot was written. */
  plot: string
}

/**
 * The sink of a training run: saves the trained model as a new registry version, with its
 * metrics, the offsets it consumed and what reproduces it, then plots its curves to
 * `plotPath(ref)`. Throws a UsageError when no epoch finished (nothing worth saving).
 */
export async function saveTraining (registry: ModelRegistry, settings: TrainSettings, result: TrainResult, plotPath: (ref: string) => string): Promise<SavedTraining> {
  const last = result.epochs.at(-1)
  if (last === undefined) {
    throw new UsageError(result.rows === 0 && !result.interrupted
      ? 'the train topic holds no records: load data first (streamfit load)'
      : 'stopped before the first epoch ended: nothing saved')
  }
  const { runner } = result
  const s = settings
  const saved = await registry.save({
    name: s.model,
    snapshot: await runner.snapshot(),
    backend: runner.backend,
    rows: result.rows,
    epochs: result.epochs.length,
    metrics: { loss: last.loss, accuracy: last.accuracy, rowsPerSecond: result.rowsPerSecond, seconds: result.seconds },
    offsets: result.offsets,
    // Named fields only: never the Kafka config, whose secrets must not be stored.
    info: {
      trainer: 'train', topic: s.topic, batchSize: s.batchSize, shuffleBuffer: s.shuffleBuffer, standardize: s.standardize, cache: s.cache,
      seed: result.seed, deadLettered: result.deadLettered, interrupted: result.interrupted,
      history: result.epochs.map(e => ({ epoch: e.epoch, loss: e.loss, accuracy: e.accuracy }))
    }
  })
  runner.version = saved.ref
  const plot = await writeTrainingPlot(plotPath(saved.ref), result.epochs,
    `streamfit train: ${saved.ref}, ${result.rows.toLocaleString('en-US')} rows, batch ${s.batchSize}, ${runner.backend}`)
  return { ref: saved.ref, version: saved.version, plot }
}
