// Training from Kafka (the tutorial's step 4), epoch after epoch:
//
//   fromPartition(train topic, 0, up to the end offset at start)   one fresh read per epoch
//     → holdout(10%)                 validation rows by a hash of offset and seed (the same every
//                                    epoch), scored after each epoch: loss, accuracy, AUC
//     → shuffle(64)                  tf.data-style buffer, reshuffled every epoch (seeded)
//     → decodeCsv                    bad records to the dead-letter topic (in the first epoch)
//     → batch(64) → toArrays         flat float32 features and labels
//     → trainBatches(runner)         one Adam step per batch, in the model's worker thread
//                                    (features standardised with mean/std learnt in epoch 1);
//                                    a moving average of the weights is what is validated and kept
//   until validation loss has not improved for `patience` epochs (then the best epoch's weights are
//   restored) or `epochs` is reached; then the model, its metrics and the offsets it consumed go to
//   the registry and the curves to a plot (saveTrained and plotTraining, in train-result.ts).
import { from, fromEvent, lastValueFrom, tap } from 'rxjs'
import type { KafkaConfig } from '../src/config.js'
import { endOffsets } from '../src/kafka/admin.js'
import { holdout } from '../src/data/holdout.js'
import type { BackendPreference } from '../src/ml/backend.js'
import { EarlyStopping } from '../src/ml/early-stopping.js'
import type { EpochProgress } from '../src/ml/epoch-meter.js'
import type { ModelSnapshot } from '../src/ml/protocol.js'
import { ModelRunner } from '../src/ml/runner.js'
import { jsMaxWeightsFor } from '../src/ml/js-twin.js'
import { headline, type TaskMetrics } from '../src/ml/task-metrics.js'
import { shuffle } from '../src/operators/shuffle.js'
import type { ArrayBatch } from '../src/operators/to-arrays.js'
import type { KafkaRecord } from '../src/record.js'
import { withDefaults, type Topology } from '../src/runtime/topology.js'
import { susySpec } from '../src/spec/susy.js'
import { KafkaDeadLetterSink } from '../src/sinks/dead-letter.js'
import { fromPartition } from '../src/sources/partition.js'
import { SpecLearner } from '../src/spec/learn.js'
import { imputesMean, isResolved, type DatasetSpec, type ResolvedSpec } from '../src/spec/types.js'
import { modelForSpec, TRAIN_MODEL } from '../src/spec/model.js'
import { decodeValidation, trainEpoch } from './train-epoch.js'
import { decodeStep } from './decode-step.js'

/** Everything a training run needs: the topic, the data set, the model and the training settings. */
export interface TrainOptions {
  kafka: KafkaConfig
  topic: string
  /**
   * The data set (default SUSY's). Vocabularies and classes it leaves open are learnt from the
   * topic first; the resolved spec is stored with the model. A continued model keeps its own.
   */
  spec?: DatasetSpec
  partition?: number
  /** Where undecodable records go (written once, in the first epoch). */
  dlqTopic: string
  /** The most epochs to run (fewer when early stopping ends the run). */
  epochs?: number
  /**
   * Share of the topic held out for validation, chosen by a hash of each record's offset and
   * the seed (the same rows every epoch and every run with the seed); 0 trains on every row.
   */
  validationFraction?: number
  /** Seeds the hold-out (default `seed`): a continued run passes its parent's, to keep validating on the same rows. */
  holdoutSeed?: number
  /** Stop when validation loss has not improved for this many epochs and restore the best weights; 0 runs every epoch. */
  patience?: number
  /** Halve the learning rate when validation loss has not improved for this many epochs; 0 never. */
  reduceLrPatience?: number
  /** Adam's learning rate (default: the model's, 0.001 for a new one). */
  learningRate?: number
  /** Dropout after each hidden layer of a new model (default 0.3, 0.5, 0.5; the tutorial's is 0.2, 0.4, 0.4). */
  dropout?: number[]
  /** L2 penalty on a new model's kernels; 0: none. */
  l2?: number
  /**
   * Validate and save an exponential moving average of the weights (updated every step, decay
   * 0.99 by default: about the last 100 steps) instead of the last step's; 0: the weights as trained.
   */
  weightAverage?: number
  batchSize?: number
  shuffleBuffer?: number
  backend?: BackendPreference
  /** Seeds weights, dropout and the shuffle: the same seed and data give the same model. */
  seed?: number
  /**
   * Standardise features with mean/std learnt from the stream in the first epoch, then frozen
   * and stored with the model (default true: +0.004 test AUC on the 8k SUSY split, see docs/training.md).
   */
  standardize?: boolean
  /** Keep epoch 1's records in memory and replay them instead of re-reading Kafka. */
  cache?: boolean
  /** Train this model (e.g. a stored version, or for a benchmark) instead of a new one. */
  runner?: ModelRunner
  /** Stops after the step in hand; the model trained so far is returned. */
  signal?: AbortSignal
  /** Called once the model's backend is loaded (with why faster ones were skipped). */
  onStart?: (backend: string, skippedBackends: string[]) => void
  /** After each step; `totalSteps` is the epoch's step count (estimated from offsets in epoch 1). */
  onStep?: (progress: EpochProgress, totalSteps: number) => void
  /** After each epoch, with its figures. */
  onEpoch?: (epoch: TrainEpoch) => void
}

/** An epoch's figures, with those on the validation rows when some are held out. */
export interface TrainEpoch extends EpochProgress {
  validation?: TaskMetrics
  learningRate: number
}

/** What a training run produced: the model, its epochs and how it ended. */
export interface TrainResult {
  runner: ModelRunner
  epochs: TrainEpoch[]
  /** The epoch whose weights the model holds (the best on validation loss, else the last). */
  bestEpoch: number
  /** Ended by early stopping before `epochs`. */
  stoppedEarly: boolean
  /** Validation rows held out (0 without a hold-out). */
  validationRows: number
  /** Rows trained on in one epoch (the decoded records of the partition range not held out). */
  rows: number
  /** Next offset after the range trained on, per topic and partition (for the registry). */
  offsets: Record<string, Record<number, bigint>>
  deadLettered: number
  /** Training rows per second over all epochs. */
  rowsPerSecond: number
  seconds: number
  interrupted: boolean
}

/**
 * Train's settings. The model's (dropout 0.3/0.5/0.5 with a 0.99 weight average, why in
 * TRAIN_MODEL) are the ones `init` writes into a spec.
 */
export const trainDefaults = { partition: 0, epochs: TRAIN_MODEL.epochs, validationFraction: 0.1, patience: 5, reduceLrPatience: 0, dropout: TRAIN_MODEL.dropout, weightAverage: 0.99, batchSize: TRAIN_MODEL.batchSize, shuffleBuffer: 64, standardize: true, cache: false }

/** What shapes a training run and its description; `trainTopology.settings` fills the defaults. */
export interface TrainInput {
  topic: string
  dlqTopic: string
  partition?: number
  epochs?: number
  validationFraction?: number
  patience?: number
  reduceLrPatience?: number
  dropout?: number[]
  weightAverage?: number
  batchSize?: number
  shuffleBuffer?: number
  standardize?: boolean
  cache?: boolean
  /** Given: Adam's rate; else the model's (0.001 for a new one). */
  learningRate?: number
  /** Registry name the version is saved under. */
  model?: string
  /** A stored version to continue (susy@N, susy@latest). */
  from?: string
  /** The data set (default SUSY's). */
  spec?: DatasetSpec
}

/** The input with every default applied: what runs, and what `describe` prints. */
export type TrainSettings = typeof trainDefaults & { topic: string, dlqTopic: string, model: string, learningRate?: number, from?: string, spec?: DatasetSpec }

/** The train app as data: its settings and the pipeline it runs (what `streamfit describe train` prints). */
export const trainTopology: Topology<TrainInput, TrainSettings> = {
  name: 'train',
  settings: input => ({
    topic: input.topic,
    dlqTopic: input.dlqTopic,
    ...withDefaults(trainDefaults, input),
    model: input.model ?? 'susy',
    ...(input.learningRate !== undefined ? { learningRate: input.learningRate } : {}),
    ...(input.from !== undefined ? { from: input.from } : {}),
    ...(input.spec !== undefined ? { spec: input.spec } : {})
  }),
  describe: (s, { registryPrefix }) => ({
    name: 'train',
    summary: `Fits the ${s.spec === undefined || s.spec.name === 'susy' ? 'SUSY' : s.spec.name} model on the train topic for several epochs, each a fresh read of the partition, and saves a version.`,
    guarantee: 'none',
    guaranteeDetail: 'a batch job over a fixed offset range: re-run it to retrain',
    steps: [
      { kind: 'source', name: 'fromPartition', topics: [s.topic], detail: `partition ${s.partition}, offset 0 to the end offset at start, re-read every epoch${s.cache ? ' (epoch 1 cached in memory, replayed after)' : ''}` },
      { kind: 'processor', name: 'holdout', detail: s.validationFraction > 0 ? `${s.validationFraction * 100}% of offsets (hashed with the seed) for validation after each epoch` : 'none: every row trains' },
      { kind: 'processor', name: 'shuffle', detail: `buffer ${s.shuffleBuffer}, reshuffled each epoch` },
      decodeStep(s.spec, s.dlqTopic),
      { kind: 'processor', name: 'batch', detail: `${s.batchSize} rows` },
      {
        kind: 'processor',
        name: 'trainBatches',
        detail: `up to ${s.epochs} epochs${s.patience > 0 ? `, early stopping (patience ${s.patience}, best weights kept)` : ''}` +
          `${s.reduceLrPatience > 0 ? `, learning rate halved after ${s.reduceLrPatience} epochs without improvement` : ''}` +
          `${s.from === undefined ? `, dropout ${s.dropout.join('/')}` : ''}${s.weightAverage > 0 ? `, weight average ${s.weightAverage} validated and saved` : ''}` +
          `, Adam${s.learningRate !== undefined ? ` ${s.learningRate}` : ''}${s.from !== undefined ? `, continuing ${s.from}` : ''}, ${LOSS_NAME[s.spec?.task.type ?? 'binary']}${s.standardize ? ', standardised features' : ''}, worker thread`
      },
      { kind: 'sink', name: 'registry.save', stores: [`redis:${registryPrefix}model:${s.model}`], detail: 'topology, weights, metrics, offsets: one atomic step' }
    ]
  })
}

const LOSS_NAME = { binary: 'binary cross-entropy', multiclass: 'categorical cross-entropy', regression: 'mean squared error' } as const

/**
 * Trains a model on a topic's rows, epoch by epoch, with hold-out validation, early stopping and
 * learning-rate reduction; the model is not saved (see {@link saveTrained}).
 */
export async function runTrain (options: TrainOptions): Promise<TrainResult> {
  const o = { ...trainDefaults, ...options }
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31)
  const started = performance.now()
  const end = (await endOffsets(o.kafka, o.topic, { readCommitted: true }))[o.partition] ?? 0n
  const spec = o.runner?.spec ?? await resolveSpec(o.spec ?? susySpec({ topics: { train: o.topic, test: '', predictions: '', dlq: o.dlqTopic } }), { ...o, end })
  const runner = o.runner ?? await ModelRunner.create({ backend: o.backend, seed, learnScaler: o.standardize, model: modelForSpec(spec, { ...o, dropout: options.dropout ?? specDropout(spec) }), spec, jsMaxWeights: jsMaxWeightsFor(o.backend) })
  const averaging = o.weightAverage > 0
  o.onStart?.(runner.compute, runner.skippedBackends)
  let learningRate: number
  try {
    if (o.learningRate !== undefined) await runner.setLearningRate(o.learningRate)
    learningRate = await runner.learningRate()
    if (averaging) await runner.averageWeights(o.weightAverage)
  } catch (error) {
    await runner.close()
    throw error
  }
  const deadLetter = new KafkaDeadLetterSink({ kafka: o.kafka, topic: o.dlqTopic })
  const cached: KafkaRecord[] = []
  const heldOut = holdout({ fraction: o.validationFraction, seed: o.holdoutSeed ?? seed })
  const validationRecords: KafkaRecord[] = []
  let validation: ArrayBatch | null = null
  const stopping = new EarlyStopping({ patience: o.patience, reducePatience: o.reduceLrPatience })
  let best: ModelSnapshot | null = null
  let stoppedEarly = false
  const epochs: TrainEpoch[] = []
  const stop$ = o.signal ? fromEvent(o.signal, 'abort') : from([])
  const shuffled = shuffle<KafkaRecord>(o.shuffleBuffer, seed)
  let rows = Math.round(Number(end) * (1 - o.validationFraction)) // an estimate until the first epoch has counted them
  try {
    for (let epoch = 1; epoch <= o.epochs && o.signal?.aborted !== true; epoch++) {
      const first = epoch === 1
      const meter = await trainEpoch({ ...o, spec, runner, end, cached, heldOut, validationRecords, shuffled, deadLetter, stop$ }, epoch, rows)
      if (first) {
        rows = meter.progress().rows
        if (rows === 0) break // nothing (decodable) to train on
        if (o.standardize) await runner.freezeScaler()
        validation = await decodeValidation(validationRecords, spec, deadLetter)
      }
      const done = meter.progress()
      if (done.rows < rows) break // stopped mid-epoch: not a finished epoch
      // With averaging, the average is what is validated and kept; training goes on from the trained weights.
      if (averaging) await runner.swapAverage()
      const scored = validation !== null && validation.n > 0 ? await runner.evaluateTask(validation.xs, validation.ys, validation.n) : undefined
      const verdict = scored !== undefined ? stopping.update(epoch, headline(scored).value) : undefined
      if (verdict?.best === true && o.patience > 0) best = await runner.snapshot()
      if (averaging) await runner.swapAverage()
      const figures: TrainEpoch = { ...done, learningRate, ...(scored !== undefined ? { validation: scored } : {}) }
      epochs.push(figures)
      o.onEpoch?.(figures)
      if (verdict === undefined) continue
      if (verdict.stop) { stoppedEarly = epoch < o.epochs; break }
      if (verdict.learningRateFactor !== 1) {
        learningRate *= verdict.learningRateFactor
        await runner.setLearningRate(learningRate)
      }
    }
    // Keras' restore_best_weights: the model saved is the best epoch's, not the last one's.
    if (best !== null && (averaging || stopping.bestEpoch !== epochs.at(-1)?.epoch)) await runner.load(best)
    else if (averaging && epochs.length > 0) await runner.swapAverage()
  } catch (error) {
    await runner.close()
    throw error
  } finally {
    await deadLetter.close()
  }
  return {
    runner,
    epochs,
    bestEpoch: best !== null ? stopping.bestEpoch : epochs.at(-1)?.epoch ?? 0,
    stoppedEarly,
    validationRows: validation?.n ?? 0,
    rows,
    offsets: { [o.topic]: { [o.partition]: end } },
    deadLettered: deadLetter.total,
    rowsPerSecond: epochs.reduce((s, e) => s + e.rows, 0) / epochs.reduce((s, e) => s + e.seconds, 0),
    seconds: (performance.now() - started) / 1000,
    interrupted: o.signal?.aborted === true
  }
}


/** The spec with the vocabularies and classes it leaves open learnt from the topic (one read before training). */
async function resolveSpec (spec: DatasetSpec, o: { kafka: KafkaConfig, topic: string, partition: number, end: bigint }): Promise<ResolvedSpec> {
  if (isResolved(spec) && !spec.features.some(imputesMean)) return spec
  const learner = new SpecLearner(spec)
  await lastValueFrom(fromPartition({ kafka: o.kafka, topic: o.topic, partition: o.partition, stop: o.end }).pipe(tap(record => learner.observe(record))), { defaultValue: undefined })
  // The means imputed are written into the spec, which the model is stored with: scoring imputes the same.
  const means = learner.means()
  const resolved = learner.resolve()
  return { ...resolved, features: resolved.features.map(f => f.type === 'numeric' && imputesMean(f) ? { ...f, impute: means[f.name] ?? 0 } : f) }
}

/** A spec's own dropout, which a run without `dropout` keeps (train's default otherwise). */
function specDropout (spec: ResolvedSpec): number[] {
  return (spec.model.type === 'mlp' ? spec.model.dropout : undefined) ?? trainDefaults.dropout
}
