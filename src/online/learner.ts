// The state of one online-learning run and its two steps: learn a decoded mini-batch
// (prequential predict, then fit) and save a version (weights + offsets, then the Kafka commit).
// topologies/online.ts feeds it; keeping the bookkeeping here keeps the topology one screen.
import type { ModelRunner } from '../ml/runner.js'
import type { KafkaRecord } from '../record.js'
import type { ArrayBatch } from '../operators/to-arrays.js'
import type { Logger } from '../runtime/logger.js'
import { metrics } from '../runtime/metrics.js'
import { setTaskFigures } from '../runtime/task-gauges.js'
import type { RecordBatch } from '../sources/group-batches.js'
import { ConsumedOffsets, countByPartition } from './consumed.js'
import { DriftMonitor, type ResolvedDrift } from './drift.js'
import { faultInjector } from './fault.js'
import { testThenTrain } from './test-then-train.js'
import { warmupEpochs, type WarmupSettings } from './warmup.js'
import { startRateFactor, startStep, type FastStartSettings } from './fast-start.js'
import type { OnlineLineage, ResumePoint } from './lineage.js'
import type { PrequentialPoint } from './prequential.js'
import type { ResolvedSpec } from '../spec/types.js'
import { PrequentialWindows } from './prequential-windows.js'
import { prequentialMeter, type PrequentialMeter, type TaskBatchScore, type TaskPrequentialPoint } from './task-prequential.js'
import { SaveSchedule, type SavePolicy } from './save-policy.js'
import type { OnlineStore } from './store.js'

/** What an {@link OnlineLearner} trains, where it saves, and when. */
export interface LearnerOptions {
  model: ModelRunner
  store: OnlineStore
  /** Where this run starts: the version continued and its lineage, if any. */
  start: ResumePoint
  group: string
  topic: string
  /** Kafka's id of the topic: a recreated topic starts a new lineage. */
  topicId: string
  /** Registry model name (the metrics label). */
  modelName: string
  epochsPerBatch: number
  /** A young model's warm-up (see warmup.ts): only for a lineage begun from a new model. */
  warmup?: WarmupSettings
  /** A young model's fast start (see fast-start.ts): only for a lineage begun from a new model. */
  fastStart?: FastStartSettings
  batchSize: number
  /**
   * Rows scored, then fitted, at a time within a mini-batch (see testThenTrain). 0 or absent: the whole mini-batch is scored, then fitted.
   */
  step?: number
  /** Drift detection on the prequential error or loss, and the action on a detection. */
  drift: ResolvedDrift
  savePolicy: SavePolicy
  /** A version is forced once this many records are unacknowledged (the source's limit is higher). */
  saveLimit: number
  keepVersions: number
  /**
   * The starting version, frozen: it scores every mini-batch too, so that the run's prequential
   * loss can be compared with a model that did not learn (the stream's own drift in difficulty).
   */
  baseline?: ModelRunner
  /** Rows per window of prequential figures (OnlineLearner.windows); none when absent. */
  window?: number
  logger?: Logger
  /** After each mini-batch, with its figures. */
  onBatch?: (progress: BatchProgress) => void
}

/** The figures of one mini-batch of online learning. */
export interface BatchProgress {
  /** Mini-batches trained in this run. */
  batch: number
  /** Rows in this mini-batch that were trained (dead letters excluded). */
  rows: number
  /** Rows trained in this run so far. */
  totalRows: number
  /** This mini-batch's prequential score (before training on it). */
  score: TaskBatchScore
  /** Prequential accuracy and loss over the run so far. */
  prequentialAccuracy: number
  prequentialLoss: number
  /** Training loss of the last epoch over this mini-batch. */
  trainLoss: number
  /** The version the mini-batch was scored with; the version saved after it when `saved`. */
  version: string
  saved: boolean
}

/**
 * One online-learning run: learns each decoded mini-batch (prequential predict, then fit) and saves
 * versions (weights and offsets, then the Kafka commit) by the save policy.
 */
export class OnlineLearner {
  readonly versions: string[] = []
  /** Prequential figures of this run, of the model's task (binary for SUSY). */
  readonly run: PrequentialMeter
  /** The frozen starting version's prequential figures on the same rows (with `baseline`). */
  readonly baseline: PrequentialMeter
  /** This run's prequential figures per window of `window` rows (with that option). */
  readonly windows?: PrequentialWindows
  /** The drift detector, continuing the lineage's saved state (its detections included). */
  readonly drift: DriftMonitor
  batches = 0
  rows = 0
  deadLettered = 0
  #o: LearnerOptions
  #fault = faultInjector()
  #consumed: ConsumedOffsets
  #lineage: PrequentialMeter
  #lineageRows: number
  #lineageBatches: number
  #parent: string | null
  #schedule: SaveSchedule
  #unsaved: RecordBatch[] = []
  #unsavedRecords = 0
  #scalerFrozen = false

  constructor (options: LearnerOptions) {
    this.#o = options
    const { start } = options
    this.#consumed = new ConsumedOffsets(start.positions)
    const task = options.model.spec?.task ?? BINARY
    this.run = prequentialMeter(task)
    this.baseline = prequentialMeter(task)
    if (options.window !== undefined) this.windows = new PrequentialWindows(task, options.window)
    this.#lineage = prequentialMeter(task, start.lineage?.prequential)
    this.#lineageRows = start.lineage?.rows ?? 0
    this.#lineageBatches = start.lineage?.batches ?? 0
    this.#parent = start.lineage !== null ? start.version : null
    this.#schedule = new SaveSchedule(options.savePolicy)
    this.drift = new DriftMonitor(options.drift, start.lineage?.drift)
    if (start.lineage?.drift !== undefined) options.logger?.info({ drift: start.lineage.drift }, `drift detector resumed from ${start.version} (${start.lineage.drift.detections.length} detection(s) so far)`)
    metrics.modelVersion.set({ app: 'online', model: options.modelName }, versionNumber(start.version))
  }

  /** The version holding this run's last weights (or the one resumed from). */
  get model (): string | null {
    return this.#parent ?? this.#o.start.version
  }

  /**
   * The records of `batch` this model has not learnt: at or after its position per partition.
   * A rebalance restarts the stream at the group's committed offsets, which trail the learner's
   * position until its next save; those records were learnt already.
   */
  unseen (batch: readonly KafkaRecord[]): KafkaRecord[] {
    const positions = this.#consumed.positions
    const fresh = batch.filter(r => r.offset >= (positions[r.partition] ?? 0n))
    if (fresh.length < batch.length) {
      this.#o.logger?.info({ skipped: batch.length - fresh.length, positions: positions.map(String) }, `skipped ${batch.length - fresh.length} record(s) already learnt (the stream was rewound)`)
    }
    return fresh
  }

  /**
   * Scores the mini-batch, then fits it; saves a version when one is due. `fresh` are the
   * records of `batch` not learnt yet (see unseen) and `decoded` their decoded rows.
   */
  async learn (batch: RecordBatch, fresh: readonly KafkaRecord[], decoded: ArrayBatch): Promise<void> {
    if (fresh.length === 0) {
      // Nothing new: acknowledge it now, so that re-read records never hold up the source.
      batch.ack().catch(() => {})
      return
    }
    const { model, topic } = this.#o
    const { xs, ys, n, examples } = decoded
    metrics.recordsIn.inc({ app: 'online', topic }, fresh.length)
    const versionUsed = model.version
    let score: TaskBatchScore = { rows: 0, correct: 0, accuracy: NaN, loss: NaN }
    let trainLoss = NaN
    if (n > 0) {
      const steps = {
        step: (from: number) => startStep(this.#o.step ?? 0, this.#lineageRows + from, this.#o.fastStart),
        rateFactor: (from: number) => startRateFactor(this.#lineageRows + from, this.#o.fastStart),
        batchSize: this.#o.batchSize,
        epochs: () => this.drift.epochs(warmupEpochs(this.#o.epochsPerBatch, this.#lineageRows, this.#o.warmup)),
        fitRows: this.drift.fitRows.bind(this.drift)
      }
      const watch = (p: Float32Array, y: Float32Array, m: number, rows: ArrayBatch['examples'], from: number): Promise<void> => this.#watchDrift(p, y, m, rows, this.#lineageRows + from)
      const [learnt, frozen] = await Promise.all([testThenTrain(model, decoded, steps, watch), this.#o.baseline?.predict(xs, n)])
      if (frozen !== undefined) this.baseline.add(frozen, ys, n)
      score = this.run.add(learnt.outputs, ys, n)
      this.windows?.add(learnt.outputs, ys, n)
      this.#lineage.add(learnt.outputs, ys, n)
      trainLoss = learnt.trainLoss
      metrics.trainingLoss.set({ app: 'online' }, trainLoss)
      metrics.trainingAccuracy.set({ app: 'online' }, accuracyOf(this.run))
      metrics.prequentialLoss.set({ app: 'online' }, this.run.loss)
      setTaskFigures('online', this.run.figures())
    }
    const trained = countByPartition([...examples])
    const read = countByPartition(fresh.map(record => ({ record })))
    this.#consumed.add(fresh, p => ({ rows: trained.get(p) ?? 0, deadLettered: (read.get(p) ?? 0) - (trained.get(p) ?? 0) }))
    this.deadLettered += fresh.length - n
    this.batches++
    this.rows += n
    this.#lineageRows += n
    this.#lineageBatches++
    this.#unsaved.push(batch)
    this.#unsavedRecords += batch.length // the source counts every unacknowledged record
    this.#fault('after-fit-before-save')
    this.#o.logger?.debug({ batch: this.batches, rows: n, ...('accuracy' in score ? { accuracy: score.accuracy } : {}), loss: score.loss, trainLoss, positions: this.#consumed.positions.map(String) }, `trained mini-batch ${this.batches}`)
    const due = this.#schedule.batchDone() || this.#unsavedRecords >= this.#o.saveLimit
    if (due) await this.save()
    this.#o.onBatch?.({
      batch: this.batches, rows: n, totalRows: this.rows, score,
      prequentialAccuracy: accuracyOf(this.run), prequentialLoss: this.run.loss,
      trainLoss, version: due ? model.version : versionUsed, saved: due
    })
  }

  /** Saves a version with the offsets consumed (one atomic Redis step), then commits them to Kafka. */
  async save (): Promise<void> {
    if (!this.#consumed.pending) return
    const { model, store, group, topic, topicId, epochsPerBatch, logger } = this.#o
    const lineage: OnlineLineage = {
      group,
      topic,
      topicId,
      parent: this.#parent,
      positions: this.#consumed.positions.map(String),
      ranges: this.#consumed.take(),
      rows: this.#lineageRows,
      batches: this.#lineageBatches,
      prequential: this.#lineage.state(),
      drift: this.drift.state()
    }
    // A new model's scaler learns until its first save, then stays as saved: every version holds
    // a frozen scaler, so a run resumed from one standardises exactly as the uninterrupted run.
    if (!this.#scalerFrozen) { await model.freezeScaler(); this.#scalerFrozen = true }
    const version = await store.save(await model.snapshot(), {
      lineage,
      // The lineage's parent is null for its first save; the weights still came from the version
      // this run started on (a `train` run's, say), which is the parent users see.
      parent: this.model,
      backend: model.compute,
      epochs: epochsPerBatch,
      metrics: { prequentialAccuracy: accuracyOf(this.#lineage), prequentialLoss: this.#lineage.loss, rows: this.#lineageRows, driftDetections: this.drift.detections.length }
    })
    model.version = version
    this.#parent = version
    this.versions.push(version)
    metrics.modelVersion.set({ app: 'online', model: this.#o.modelName }, versionNumber(version))
    logger?.info({ version, positions: lineage.positions, rows: this.#lineageRows }, `saved ${version}`)
    this.#fault('after-save-before-commit')
    // Kafka's offsets follow the registry; a failed commit only delays lag tools, never data.
    const batchesToAck = this.#unsaved
    this.#unsaved = []
    this.#unsavedRecords = 0
    this.#schedule.saved()
    try {
      await Promise.all(batchesToAck.map(b => b.ack()))
    } catch (error) {
      logger?.warn({ err: error }, `committing offsets to Kafka failed (the next save commits them): ${(error as Error).message}`)
    }
    if (this.#o.keepVersions > 0) {
      const pruned = await store.prune(lineage, this.#o.keepVersions, version)
      if (pruned.length > 0) logger?.debug({ pruned }, `deleted ${pruned.length} old version(s) of this lineage`)
    }
  }

  /**
   * Feeds the rows' prequential losses to the drift detector (in the order scored) and applies
   * its action to the optimizer before the fit. Regression is left out: its squared error has
   * the label's units, which a threshold in nats cannot serve.
   */
  async #watchDrift (outputs: Float32Array, ys: Float32Array, n: number, examples: ArrayBatch['examples'], rowsBefore: number): Promise<void> {
    const { model, logger } = this.#o
    const task = model.spec?.task ?? BINARY
    if (!this.drift.enabled || task.type === 'regression') return
    const { detected, step } = this.drift.observe(this.drift.signal(task, outputs, ys, n), i => examples[i].record, rowsBefore, await model.learningRate())
    const { action } = this.drift.settings
    const acted = step === null ? 'no action' : step.op === 'reset' ? `a fresh Adam at learning rate ${step.learningRate}` : `${action === 'refit' ? 'a refit from the rows since, ' : ''}learning rate ${step.learningRate}`
    for (const d of detected) {
      metrics.driftDetections.inc({ app: 'online' })
      logger?.warn({ drift: d, detections: this.drift.detections.length }, `drift detected at row ${d.row} of the lineage (partition ${d.partition} offset ${d.offset}): ${acted}`)
    }
    if (step?.op === 'reset') await model.resetOptimizer(step.learningRate)
    if (step?.op === 'setRate') await model.setLearningRate(step.learningRate)
    if (step !== null && detected.length === 0) logger?.info({ learningRate: step.learningRate }, `drift ${action} over: learning rate back to ${step.learningRate}`)
  }

  /** The learning curve over this run: prequential accuracy after each mini-batch. */
  get curve (): TaskPrequentialPoint[] {
    return [...this.run.curve]
  }
}

/** "susy@12" → 12, for the model-version gauge (0 for a model not saved yet). */
function versionNumber (version: string | null): number {
  const n = Number(version?.split('@')[1])
  return Number.isFinite(n) ? n : 0
}

const BINARY = { type: 'binary', classes: ['0', '1'] } as const satisfies ResolvedSpec['task']

/** Prequential accuracy of a classifier's meter; NaN for regression, which has none. */
export function accuracyOf (meter: PrequentialMeter): number {
  return 'accuracy' in meter && typeof meter.accuracy === 'number' ? meter.accuracy : NaN
}
