// Online learning (the tutorial's step 6), exactly-once in the model's state:
//
//   fromGroupBatches(train topic, group)        one mini-batch per poll
//     → shuffle(32) → decodeCsv                  bad records to the dead-letter topic
//     → predict (prequential validation)         every row scored before the model learns it
//     → fit K epochs in batches of 32            in a worker thread: heartbeats keep flowing
//                                                (default 1 epoch; Adam at 0.00003 with the parent's state when continuing a version)
//     → every M batches or T s: save a version   weights + offsets consumed, one atomic Redis step
//     → then commit the group's offsets          for lag and tools; Kafka is not the truth
//
// A restarted trainer continues from the offsets stored with its latest version, written into
// the group's committed offsets before it joins (src/online/position-group.ts): a crash anywhere
// (even between the Redis save and the Kafka commit) never trains a row twice or skips one.
import type { KafkaConfig } from '../src/config.js'
import type { OnlineResult } from './online-result.js'
import { SMALL_STEP_ORDER, type BackendPreference } from '../src/ml/backend.js'
import { SUSY_MODEL, type ModelSpec } from '../src/ml/model.js'
import { snapshotWeights, specWeights } from '../src/ml/model-size.js'
import { ModelRunner } from '../src/ml/runner.js'
import { jsMaxWeightsFor } from '../src/ml/js-twin.js'
import { accuracyOf, OnlineLearner, type BatchProgress } from '../src/online/learner.js'
import { OnlineStore } from '../src/online/store.js'
import { resumeGroup } from '../src/online/resume-group.js'
import { PrequentialMetrics } from '../src/online/prequential.js'
import type { SavePolicy } from '../src/online/save-policy.js'
import type { WarmupSettings } from '../src/online/warmup.js'
import { formatFastStart, NO_FAST_START, type FastStartSettings } from '../src/online/fast-start.js'
import { driftDetail, resolveDrift, type DriftSettings } from '../src/online/drift.js'
import { modelForSpec } from '../src/spec/model.js'
import { susySpec } from '../src/spec/susy.js'
import { isResolved, type DatasetSpec, type ResolvedSpec } from '../src/spec/types.js'
import { UsageError } from '../src/errors.js'
import type { Logger } from '../src/runtime/logger.js'
import { decodeStep } from './decode-step.js'
import { learnStream } from './online-stream.js'
import { streamTimeoutDetail } from '../src/runtime/describe.js'
import { withDefaults, type Topology } from '../src/runtime/topology.js'
import { KafkaDeadLetterSink } from '../src/sinks/dead-letter.js'
import { createGroupConsumer } from '../src/sources/group-consumer.js'

/** Everything an online run needs: connections, registry and the {@link OnlineInput} settings. */
export interface OnlineOptions {
  kafka: KafkaConfig
  redisUrl: string
  /** Registry key prefix. */
  registryPrefix: string
  /** Registry model name the versions are saved under (default "susy"). */
  model?: string
  /**
   * The data set (default SUSY's). A stored version decodes with the spec it was trained on; a new
   * model needs one whose vocabularies and classes are all given.
   */
  spec?: DatasetSpec
  topic: string
  /** Dead-letter topic for records that cannot be decoded. */
  dlqTopic: string
  /** Consumer group; one group is one lineage of versions (default "cgonline", as the tutorial). */
  groupId?: string
  /** Stop after this many ms without a new record; -1 (default) runs forever, as the tutorial. */
  streamTimeout?: number
  /**
   * Epochs over each mini-batch. Default: 1 when continuing a stored version (the tutorial's 3
   * overfit each mini-batch and make a trained model worse, see docs/online.md), 3 for a new model.
   */
  epochsPerBatch?: number
  /**
   * Adam's learning rate while learning online. Default: 0.00003 when continuing a stored version
   * (a thirtieth of train's: at 0.001 the model forgets what it learnt and held-out accuracy falls,
   * see docs/online.md), the rate stored with the version when resuming this lineage, and for a new
   * model `newRateFactor` × its spec's rate (0.003 for SUSY's).
   */
  learningRate?: number
  /**
   * Drift detection on the rows as scored (a CUSUM on the errors, or Page-Hinkley on the log loss)
   * and what to do on a detection (default: DRIFT_DEFAULTS, src/online/drift.ts: chosen by the
   * model's size; `detector: 'off'` turns it off).
   */
  drift?: DriftSettings
  /** Rows per gradient step inside a mini-batch (default 32, as the tutorial). */
  batchSize?: number
  /**
   * Rows scored, then fitted, at a time within a mini-batch (0: the whole mini-batch at once; see
   * testThenTrain). Default 'auto': 16 for a model under 20,000 weights, 32 otherwise (onlineDefaults).
   */
  step?: number | 'auto'
  /** A new model's warm-up (default onlineDefaults.newWarmup). */
  newWarmup?: WarmupSettings
  /** A new model's fast start (default onlineDefaults.newFastStart: 'auto', for small models only). */
  newFastStart?: FastStartSettings | 'auto'
  /** Largest mini-batch taken from one poll (default 256). */
  maxRecords?: number
  /** When to save a version (default: every 10 mini-batches or 30 s). */
  savePolicy?: SavePolicy
  backend?: BackendPreference
  /** Seeds the model's initialisation, dropout and the shuffles (default: random). */
  seed?: number
  /**
   * Start from what the registry has even when Kafka's committed offsets for the group are ahead
   * of it (versions lost): retrains the records the lost versions had learnt. Default false:
   * refuse with a UsageError (exit 2).
   */
  fromScratch?: boolean
  /** Also score every mini-batch with the starting version, frozen (a second worker): OnlineResult.baselineCurve. */
  compareWithStart?: boolean
  /** Also keep prequential figures per window of this many rows: OnlineResult.windows. */
  window?: number
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

export type { BatchProgress }

export type { OnlineResult } from './online-result.js'

import { onlineDefaults } from './online-defaults.js'
export { onlineDefaults }

/** What shapes an online run and its description; `onlineTopology.settings` fills the defaults. */
export type OnlineInput = Pick<OnlineOptions, 'topic' | 'dlqTopic' | 'model' | 'spec' | 'groupId' | 'streamTimeout' | 'epochsPerBatch' | 'learningRate' | 'batchSize' | 'step' | 'newWarmup' | 'newFastStart' | 'maxRecords' | 'drift' | 'savePolicy' | 'sessionTimeout' | 'keepVersions' | 'fromScratch' | 'compareWithStart' | 'window'>

/** The input with every default applied: what runs, and what `describe` prints. */
export type OnlineSettings = typeof onlineDefaults & Pick<OnlineOptions, 'topic' | 'dlqTopic' | 'epochsPerBatch' | 'learningRate' | 'compareWithStart' | 'window' | 'spec'>

/**
 * The online app as data: its settings and the pipeline it runs (what `streamfit describe online`
 * prints).
 */
export const onlineTopology: Topology<OnlineInput, OnlineSettings> = {
  name: 'online',
  settings: input => ({
    topic: input.topic,
    dlqTopic: input.dlqTopic,
    ...withDefaults(onlineDefaults, input),
    ...(input.epochsPerBatch !== undefined ? { epochsPerBatch: input.epochsPerBatch } : {}),
    ...(input.learningRate !== undefined ? { learningRate: input.learningRate } : {}),
    ...(input.compareWithStart === true ? { compareWithStart: true } : {}),
    ...(input.window !== undefined ? { window: input.window } : {}),
    ...(input.spec !== undefined ? { spec: input.spec } : {})
  }),
  describe: (s, { registryPrefix }) => ({
    name: 'online',
    summary: 'Learns from every mini-batch of the train topic once: scores it (prequential validation), then fits it.',
    guarantee: 'exactly-once',
    guaranteeDetail: 'each model version is saved to Redis together with the offsets it consumed in one atomic step (a Lua script); ' +
      'a restart resumes from those offsets, so no record is trained twice or skipped',
    steps: [
      { kind: 'source', name: 'fromGroupBatches', topics: [s.topic], detail: `group ${s.groupId}, one mini-batch per poll (<= ${s.maxRecords} rows), offsets from the latest version, ${streamTimeoutDetail(s.streamTimeout)}, session timeout ${s.sessionTimeout} ms${s.fromScratch ? ', from scratch when versions were lost' : ''}` },
      { kind: 'processor', name: 'shuffle', detail: 'buffer 32' },
      decodeStep(s.spec, s.dlqTopic),
      { kind: 'processor', name: 'predict', detail: `prequential accuracy and loss, ${stepDetail(s)}${s.compareWithStart === true ? '; also by the starting version, frozen' : ''}` },
      { kind: 'processor', name: 'detectDrift', detail: driftDetail(s.drift, s.smallModelWeights) },
      { kind: 'processor', name: 'fit', detail: `batch ${s.batchSize}; ${fitDetail(s)}; worker thread (with --backend auto, a model under ${s.jsTwinMaxWeights.toLocaleString('en')} weights of Dense layers in plain JavaScript)` },
      { kind: 'sink', name: 'saveVersion', stores: [`redis:${registryPrefix}`], detail: `weights + offsets in one atomic registry save, ${saveDetail(s)}, and at stop${s.keepVersions > 0 ? `; the newest ${s.keepVersions} versions kept` : ''}` },
      { kind: 'sink', name: 'commitOffsets', topics: [s.topic], detail: 'after the save, for lag and tools' }
    ]
  })
}

function stepDetail (s: OnlineSettings): string {
  if (s.step === 0) return 'the whole mini-batch before fitting it'
  const rows = s.step === 'auto' ? `${s.largeModelStep} rows (${s.smallModelStep} for a model under ${s.smallModelWeights.toLocaleString('en')} weights)` : `${s.step} rows`
  return `in steps of ${rows}, each scored before it is fitted`
}

function fitDetail (s: OnlineSettings): string {
  const d = onlineDefaults
  const epochs = (n: number): string => `${n} epoch${n === 1 ? '' : 's'}`
  if (s.epochsPerBatch !== undefined && s.learningRate !== undefined) return `${epochs(s.epochsPerBatch)} at Adam ${s.learningRate}`
  const continuing = `${epochs(s.epochsPerBatch ?? d.continueEpochsPerBatch)} at Adam ${s.learningRate ?? d.continueLearningRate} with its moments`
  const w = s.newWarmup
  const warmup = s.epochsPerBatch === undefined && w.rows > 0 ? `${epochs(w.epochs)} over its first ${w.rows} rows, then ` : ''
  const fresh = `${warmup}${epochs(s.epochsPerBatch ?? d.newEpochsPerBatch)} at ${s.learningRate ?? `${s.newRateFactor}× its spec's rate`}, standardising its features${fastStartDetail(s)}`
  return `continuing a version ${continuing}, a new model ${fresh}`
}

function fastStartDetail (s: OnlineSettings): string {
  const f = s.newFastStart === 'auto' ? s.smallModelFastStart : s.newFastStart
  if (f.rows === 0) return ''
  const which = s.newFastStart === 'auto' ? ` (a model under ${s.smallModelWeights.toLocaleString('en')} weights)` : ''
  return `; its first ${f.rows} rows${which} in steps of ${f.step} at ${f.rateFactor}× that rate`
}

function saveDetail (s: OnlineSettings): string {
  const { everyBatches, everyMs } = s.savePolicy
  const parts = [...(Number.isFinite(everyBatches) ? [`${everyBatches} mini-batches`] : []), ...(Number.isFinite(everyMs) ? [`${everyMs / 1000} s`] : [])]
  return `every ${parts.join(' or ')}`
}

/** Runs the online trainer until the stream times out or `signal` aborts. */
export async function runOnline (options: OnlineOptions): Promise<OnlineResult> {
  const o = { ...onlineDefaults, ...options }
  const { kafka, topic, groupId, logger } = o
  const started = performance.now()
  const signal = o.signal ?? new AbortController().signal
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31)
  // The source stops fetching at its high-water mark until mini-batches are acknowledged (at a
  // save), so the learner saves one mini-batch before that limit.
  const highWaterMark = o.maxRecords * (Math.min(o.savePolicy.everyBatches, 16) + 1)

  const store = await OnlineStore.open({ redisUrl: o.redisUrl, prefix: o.registryPrefix, model: o.model })
  const consumer = createGroupConsumer({ groupId, kafka, sessionTimeout: o.sessionTimeout, highWaterMark: o.maxRecords, clientSuffix: 'online' })
  const deadLetter = new KafkaDeadLetterSink({ topic: o.dlqTopic, kafka })
  let runner: ModelRunner | undefined
  let baseline: ModelRunner | undefined
  try {
    // 1. Where to start: this group's latest version on this incarnation of the topic, whose
    //    offsets become the group's committed offsets before it joins.
    const { topicId, start } = await resumeGroup({ ...o, kafka, logger }, store)

    // 2. The model, in a worker thread; auto tries WASM first: its ops are cheaper for small steps,
    //    and a small model of Dense layers learns in plain JavaScript, cheaper still.
    const snapshot = start.version !== null ? await store.snapshot(start.version) : undefined
    const fresh = snapshot === undefined ? newModel(o.spec) : undefined
    const weights = snapshot !== undefined ? snapshotWeights(snapshot) : specWeights(fresh?.model ?? SUSY_MODEL)
    const compute = { backend: o.backend, autoOrder: SMALL_STEP_ORDER, jsMaxWeights: jsMaxWeightsFor(o.backend, o.jsTwinMaxWeights) }
    runner = await ModelRunner.create({ ...compute, seed, ...(snapshot !== undefined ? { snapshot, version: start.version ?? undefined } : fresh) })
    logger?.info({ backend: runner.backend, compute: runner.compute, params: runner.params }, runner.compute === 'js' ? `model learning in plain JavaScript (${runner.params} weights)` : `model on the ${runner.backend} backend`)
    if (o.compareWithStart === true && snapshot !== undefined) {
      baseline = await ModelRunner.create({ ...compute, snapshot, version: start.version ?? undefined })
    }
    // A new model was compiled at its spec's rate (SUSY's without one) and learns online at newRateFactor × that.
    const learningRate = o.learningRate ?? (start.lineage !== null ? undefined : start.version !== null ? o.continueLearningRate : o.newRateFactor * await runner.learningRate())
    if (learningRate !== undefined) await runner.setLearningRate(learningRate)
    const small = weights < o.smallModelWeights
    const step = o.step !== 'auto' ? o.step : small ? o.smallModelStep : o.largeModelStep
    const fastStart = o.newFastStart !== 'auto' ? o.newFastStart : small ? o.smallModelFastStart : NO_FAST_START
    const learnerFastStart = store.baseRows === 0 && fastStart.rows > 0 ? fastStart : undefined
    const drift = resolveDrift(o.drift, small)
    const learner = new OnlineLearner({
      model: runner, store, start, group: groupId, topic, topicId, modelName: o.model,
      epochsPerBatch: o.epochsPerBatch ?? (start.version !== null ? o.continueEpochsPerBatch : o.newEpochsPerBatch), batchSize: o.batchSize, step, drift, savePolicy: o.savePolicy,
      ...(o.epochsPerBatch === undefined && store.baseRows === 0 && o.newWarmup.rows > 0 ? { warmup: o.newWarmup } : {}),
      ...(learnerFastStart !== undefined ? { fastStart: learnerFastStart } : {}),
      saveLimit: highWaterMark - o.maxRecords, keepVersions: o.keepVersions, baseline, ...(o.window !== undefined ? { window: o.window } : {}), logger, onBatch: o.onBatch
    })

    // 3. The stream: one mini-batch per poll, each the tutorial's mini-dataset pipeline.
    const spec = runner.spec ?? susySpec({ topics: { train: topic, test: '', predictions: '', dlq: o.dlqTopic } })
    const busy = await learnStream({ ...o, spec, consumer, highWaterMark, deadLetter, signal, seed }, learner)
    await learner.save()

    const { run } = learner
    return {
      rows: learner.rows,
      batches: learner.batches,
      versions: learner.versions,
      prequentialAccuracy: accuracyOf(run),
      prequentialLoss: run.loss,
      prequentialAuc: run instanceof PrequentialMetrics ? run.auc : NaN,
      prequential: run.figures(),
      model: learner.model,
      resumedFrom: start.version,
      deadLettered: learner.deadLettered,
      backend: runner.compute,
      step,
      fastStart: formatFastStart(learnerFastStart ?? NO_FAST_START),
      drift: drift.detector === 'off' ? 'off' : `${drift.detector},${drift.action}`,
      seconds: (performance.now() - started) / 1000,
      busySeconds: busy,
      curve: learner.curve,
      driftDetections: [...learner.drift.newDetections],
      ...(baseline !== undefined ? { baselineCurve: [...learner.baseline.curve] } : {}),
      ...(learner.windows !== undefined ? { windows: learner.windows.figures() } : {})
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
    await baseline?.close()
    await store.close()
  }
}

/** A new model: the spec's (whose vocabularies and classes must be known), or the tutorial's SUSY MLP. */
// It learns feature standardisation, as train's models do (train --standardize, its default), until
// its first version is saved (OnlineLearner.save freezes it): unscaled, all-positive features
// (Phishing's 0/0.5/1 flags) left a new model at chance over 1,250 rows (0.503; River 0.894).
function newModel (spec: DatasetSpec | undefined): { model?: ModelSpec, spec?: ResolvedSpec, learnScaler: true } {
  if (spec === undefined) return { learnScaler: true }
  if (!isResolved(spec)) throw new UsageError(`the spec ${spec.name} leaves categories or classes to learn from the train topic: train a version first (streamfit train --spec), which online then continues, or list them in the spec`)
  return { model: modelForSpec(spec), spec, learnScaler: true }
}
