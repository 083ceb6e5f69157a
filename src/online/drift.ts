// Drift detection and the online learner's answer to it. The detector (Page-Hinkley, see
// page-hinkley.ts) reads each row's prequential loss, in stream order; on a detection the learner
// acts on its optimizer (see DriftAction). Detector, action and the detections so far are one
// JSON state saved with every version's lineage, in the same atomic registry step as the weights
// and offsets: a learner killed and restarted continues with exactly what was saved.
import { UsageError } from '../errors.js'
import type { ResolvedTask } from '../ml/task-metrics.js'
import { PageHinkley, PAGE_HINKLEY_DEFAULTS, type PageHinkleyState } from './page-hinkley.js'

/**
 * What the learner does on a detection (measured in bench/drift-actions.ts, see its README):
 *   boost: for `boostRows` rows, `boostEpochs` epochs over each mini-batch at `boostFactor` ×
 *          the learning rate (at least `boostFloor`), optionally with a fresh Adam; then the
 *          epochs and rate it had. The default (6 epochs, the rate raised only to the floor,
 *          Adam kept) had the best accuracy with the fastest recovery measured;
 *   reset: a fresh Adam at the same rate (measured: slower to recover than doing nothing);
 *   none:  only detect (logged, counted, marked, saved).
 */
export type DriftAction = 'boost' | 'reset' | 'none'

/** How the online learner watches for drift and what it does on a detection (defaults: DRIFT_DEFAULTS). */
export interface DriftSettings {
  /** 'page-hinkley', or 'off': no detector, no action. */
  detector: 'page-hinkley' | 'off'
  /** Page-Hinkley's λ: summed excess loss (nats over rows) needed to call a drift. */
  threshold: number
  /** Page-Hinkley's δ: rise of the per-row loss tolerated (nats). */
  delta: number
  /** Rows after a detection (or the start) before the next one may fire. */
  minRows: number
  action: DriftAction
  /** boost: the learning rate is multiplied by this for `boostRows` rows ... */
  boostFactor: number
  boostRows: number
  /** boost: epochs over each mini-batch while boosting (when more than the run's). */
  boostEpochs: number
  /** boost: start the boost with a fresh Adam (moments forgotten) rather than the one trained so far. */
  boostResets: boolean
  /** ... and raised to at least this (a continued version learns at 0.00003, too slow to follow a drift). */
  boostFloor: number
}

/** The defaults, in one place (the CLI's flags and describe read them). */
export const DRIFT_DEFAULTS: DriftSettings = {
  detector: 'page-hinkley',
  threshold: PAGE_HINKLEY_DEFAULTS.threshold,
  delta: PAGE_HINKLEY_DEFAULTS.delta,
  minRows: PAGE_HINKLEY_DEFAULTS.minRows,
  action: 'boost',
  boostFactor: 1,
  boostRows: 1000,
  boostEpochs: 6,
  boostResets: false,
  boostFloor: 0.001
}

/** Where a drift was detected: the row that completed the test. */
export interface DriftDetection {
  /** Rows of the lineage scored up to and including that row. */
  row: number
  partition: number
  /** Its Kafka offset, decimal text. */
  offset: string
}

/** Saved with every version's lineage (OnlineLineage.drift). */
export interface DriftState {
  detector: PageHinkleyState
  /** Every detection over the lineage, oldest first. */
  detections: DriftDetection[]
  /** boost: rows left at the raised rate (0: not boosting). */
  boostLeft: number
  /** boost: the rate to go back to (null when not boosting). */
  baseRate: number | null
}

/** What the learner's optimizer must do after a mini-batch's rows were observed. */
export type OptimizerStep = { op: 'reset', learningRate: number } | { op: 'setRate', learningRate: number } | null

/** The per-row prequential loss the detector reads: log loss of the true class (binary, multiclass). */
export function rowLosses (task: ResolvedTask, outputs: ArrayLike<number>, labels: ArrayLike<number>, n: number): Float64Array {
  const losses = new Float64Array(n)
  const units = task.type === 'multiclass' ? task.classes.length : 1
  for (let i = 0; i < n; i++) {
    const y = labels[i]
    const p = task.type === 'multiclass' ? outputs[i * units + y] : y === 1 ? outputs[i] : 1 - outputs[i]
    losses[i] = -Math.log(Math.min(Math.max(p, 1e-7), 1 - 1e-7))
  }
  return losses
}

/** The learner's drift watch: a Page-Hinkley test on each row's prequential loss, the boost in progress, and the detections of the lineage, saved and restored with each version. */
export class DriftMonitor {
  readonly settings: DriftSettings
  readonly detections: DriftDetection[]
  /** Detections made by this process (not the ones carried over from the lineage). */
  readonly newDetections: DriftDetection[] = []
  #detector: PageHinkley
  #boostLeft: number
  #baseRate: number | null

  constructor (settings: DriftSettings, state?: DriftState) {
    this.settings = settings
    this.#detector = new PageHinkley({ delta: settings.delta, threshold: settings.threshold, minRows: settings.minRows }, state?.detector)
    this.detections = [...(state?.detections ?? [])]
    this.#boostLeft = state?.boostLeft ?? 0
    this.#baseRate = state?.baseRate ?? null
  }

  /** Whether a detector runs (the `--drift` setting is not `off`). */
  get enabled (): boolean { return this.settings.detector !== 'off' }

  /**
   * Feeds one mini-batch's per-row losses (in the order scored) and says what the optimizer must
   * do before fitting it. `where(i)` locates row i; `lineageRows` counts rows scored before it;
   * `rate` is the optimizer's current learning rate.
   */
  observe (losses: ArrayLike<number>, where: (i: number) => { partition: number, offset: bigint }, lineageRows: number, rate: number): { detected: DriftDetection[], step: OptimizerStep } {
    const detected: DriftDetection[] = []
    if (!this.enabled) return { detected, step: null }
    for (let i = 0; i < losses.length; i++) {
      if (!this.#detector.add(losses[i])) continue
      const { partition, offset } = where(i)
      detected.push({ row: lineageRows + i + 1, partition, offset: offset.toString() })
    }
    this.detections.push(...detected)
    this.newDetections.push(...detected)
    return { detected, step: this.#step(detected.length > 0, losses.length, rate) }
  }

  #step (detected: boolean, rows: number, rate: number): OptimizerStep {
    const s = this.settings
    if (detected && s.action === 'reset') return { op: 'reset', learningRate: this.#baseRate ?? rate }
    if (detected && s.action === 'boost') {
      this.#baseRate ??= rate
      this.#boostLeft = s.boostRows
      return { op: s.boostResets ? 'reset' : 'setRate', learningRate: Math.max(this.#baseRate * s.boostFactor, s.boostFloor) }
    }
    if (this.#boostLeft <= 0) return null
    // This mini-batch is fitted at the raised rate; the rate goes back once boostRows were fitted.
    this.#boostLeft = Math.max(0, this.#boostLeft - rows)
    if (this.#boostLeft > 0 || this.#baseRate === null) return null
    const base = this.#baseRate
    this.#baseRate = null
    return { op: 'setRate', learningRate: base }
  }

  /** Epochs to fit the mini-batch just observed with, given the run's. */
  epochs (epochsPerBatch: number): number {
    return this.#boostLeft > 0 ? Math.max(epochsPerBatch, this.settings.boostEpochs) : epochsPerBatch
  }

  /** The state to save with a version: the detector's statistic, the boost in progress, every detection. */
  state (): DriftState {
    return { detector: this.#detector.state(), detections: [...this.detections], boostLeft: this.#boostLeft, baseRate: this.#baseRate }
  }
}

/** The `detectDrift` step's detail in `streamfit describe online`. */
export function driftDetail (d: DriftSettings): string {
  if (d.detector === 'off') return 'off'
  const action = d.action === 'boost' ? `for ${d.boostRows} rows, ${boostDetail(d)}` : d.action === 'reset' ? 'a fresh Adam at the same learning rate' : 'none (logged and counted only)'
  return `Page-Hinkley on each row's prequential log loss (threshold ${d.threshold}, delta ${d.delta}); on a drift: ${action}; its state saved with each version`
}

/** What a boost does: "6 epochs per step at the learning rate ×3 (at least 0.001), a fresh Adam". */
export function boostDetail (d: DriftSettings): string {
  const rate = d.boostFactor === 1 ? 'the learning rate' : `${d.boostFactor}× the learning rate`
  return `${d.boostEpochs > 0 ? `${d.boostEpochs} epochs per step` : 'the usual epochs'} at ${rate}${d.boostFloor > 0 ? ` (at least ${d.boostFloor})` : ''}${d.boostResets ? ', a fresh Adam' : ''}`
}

/** Parses `--drift`: off, or page-hinkley (ph). */
export function parseDetector (text: string): DriftSettings['detector'] {
  if (text === 'off' || text === 'none') return 'off'
  if (text === 'page-hinkley' || text === 'ph') return 'page-hinkley'
  throw new UsageError(`--drift expects page-hinkley (ph) or off; got "${text}"`)
}

/** Parses `--drift-action`: boost, reset or none. */
export function parseAction (text: string): DriftAction {
  if (text === 'boost' || text === 'reset' || text === 'none') return text
  throw new UsageError(`--drift-action expects boost, reset or none; got "${text}"`)
}
