// Drift detection and the online learner's answer to it. The detector (a CUSUM on the prequential
// error, see error-cusum.ts, or Page-Hinkley on the log loss, page-hinkley.ts) reads each row as
// scored, in stream order; on a detection the learner acts (see DriftAction). Detector, action
// and the detections so far are one JSON state saved with every version's lineage, in the same
// atomic registry step as the weights and offsets: a learner killed and restarted continues with
// exactly what was saved.
import { UsageError } from '../errors.js'
import type { ResolvedTask } from '../ml/task-metrics.js'
import { PageHinkley, PAGE_HINKLEY_DEFAULTS, type PageHinkleyState } from './page-hinkley.js'
import { ErrorCusum, ERROR_CUSUM_DEFAULTS, type ErrorCusumState } from './error-cusum.js'
import { RefitWindow, type RefitWindowState } from './refit-window.js'

/**
 * What the learner does on a detection (measured in bench/drift-actions.ts, see its README):
 *   boost: for `boostRows` rows, `boostEpochs` epochs over each mini-batch at `boostFactor` ×
 *          the learning rate (at least `boostFloor`), optionally with a fresh Adam; then the
 *          epochs and rate it had. The default (6 epochs, the rate raised only to the floor,
 *          Adam kept) had the best accuracy with the fastest recovery measured;
 *   refit: for `refitRows` rows, each step is fitted together with the rows since the detection
 *          (the newest `refitWindow`; see refit-window.ts), at the learning rate (at least
 *          `boostFloor`);
 *   reset: a fresh Adam at the same rate (measured: slower to recover than doing nothing);
 *   none:  only detect (logged, counted, marked, saved).
 */
export type DriftAction = 'boost' | 'refit' | 'reset' | 'none'

/** The detectors: a CUSUM on the prequential error (0/1), or Page-Hinkley on the log loss. */
export type DriftDetector = 'cusum' | 'page-hinkley' | 'off'

/** How the online learner watches for drift and what it does on a detection (defaults: DRIFT_DEFAULTS). */
export interface DriftSettings {
  /** 'cusum', 'page-hinkley', 'off' (no detector, no action), or 'auto': cusum for a small model, page-hinkley otherwise (see resolveDrift). */
  detector: DriftDetector | 'auto'
  /** Page-Hinkley's λ: summed excess loss (nats over rows) needed to call a drift. */
  threshold: number
  /** The CUSUM's rows between false alarms where nothing changes (its threshold follows; see error-cusum.ts). */
  falseAlarmRows: number
  /** Page-Hinkley's δ: rise of the per-row loss tolerated (nats). */
  delta: number
  /** Rows after a detection (or the start) before the next one may fire; the detector's default when absent. */
  minRows?: number
  /** What to do on a detection; 'auto': refit after cusum, boost after page-hinkley. */
  action: DriftAction | 'auto'
  /** boost: the learning rate is multiplied by this for `boostRows` rows ... */
  boostFactor: number
  boostRows: number
  /** boost: epochs over each mini-batch while boosting (when more than the run's). */
  boostEpochs: number
  /** boost: start the boost with a fresh Adam (moments forgotten) rather than the one trained so far. */
  boostResets: boolean
  /** ... and raised to at least this (a continued version learns at 0.00003, too slow to follow a drift). */
  boostFloor: number
  /** refit: rows over which each step is fitted with the window ... */
  refitRows: number
  /** ... of at most this many rows since the detection. */
  refitWindow: number
}

/** Settings with the detector and the action chosen (what a {@link DriftMonitor} runs). */
export type ResolvedDrift = DriftSettings & { detector: DriftDetector, action: DriftAction }

/** The defaults, in one place (the CLI's flags and describe read them). */
export const DRIFT_DEFAULTS: DriftSettings = {
  detector: 'auto',
  threshold: PAGE_HINKLEY_DEFAULTS.threshold,
  falseAlarmRows: ERROR_CUSUM_DEFAULTS.falseAlarmRows,
  delta: PAGE_HINKLEY_DEFAULTS.delta,
  action: 'auto',
  boostFactor: 1,
  boostRows: 1000,
  boostEpochs: 6,
  boostResets: false,
  boostFloor: 0.001,
  refitRows: 500,
  refitWindow: 300
}

/**
 * Chooses 'auto' settings by the model's size. A small model (bench/drift's SEA and Phishing
 * MLPs) gets the CUSUM on its errors and a refit: SEA's drifts move its class boundary under a
 * tenth of the rows, which Page-Hinkley on the log loss does not see in time, and a refit from
 * the rows since the detection costs a small model little. A large one (SUSY's) keeps Page-Hinkley
 * and the boost: the CUSUM and a refit of its 68,000 weights on 300 rows cost SUSY's streams
 * accuracy and half their speed (stationary 0.7788 → 0.7650; docs/online.md).
 */
export function resolveDrift (d: DriftSettings, small: boolean): ResolvedDrift {
  const detector = d.detector !== 'auto' ? d.detector : small ? 'cusum' : 'page-hinkley'
  const action = d.action !== 'auto' ? d.action : detector === 'cusum' ? 'refit' : 'boost'
  return { ...d, detector, action }
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
  /** The detector's statistic (its kind told by its fields). */
  detector: PageHinkleyState | ErrorCusumState
  /** Every detection over the lineage, oldest first. */
  detections: DriftDetection[]
  /** boost or refit: rows left of it (0: none in progress). */
  boostLeft: number
  /** boost or refit: the rate to go back to (null when none is in progress). */
  baseRate: number | null
  /** refit: the one in progress, with its window of rows. */
  refit?: RefitWindowState
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

/** 1 for each row the classifier got wrong, 0 for the others (the CUSUM's input). */
export function rowErrors (task: ResolvedTask, outputs: ArrayLike<number>, labels: ArrayLike<number>, n: number): Float64Array {
  const errors = new Float64Array(n)
  const units = task.type === 'multiclass' ? task.classes.length : 1
  for (let i = 0; i < n; i++) {
    let predicted = outputs[i] >= 0.5 ? 1 : 0
    if (task.type === 'multiclass') {
      predicted = 0
      for (let k = 1; k < units; k++) if (outputs[i * units + k] > outputs[i * units + predicted]) predicted = k
    }
    errors[i] = predicted === labels[i] ? 0 : 1
  }
  return errors
}

/** The learner's drift watch: a test on each row as scored, the action in progress, and the detections of the lineage, saved and restored with each version. */
export class DriftMonitor {
  readonly settings: ResolvedDrift
  readonly detections: DriftDetection[]
  /** Detections made by this process (not the ones carried over from the lineage). */
  readonly newDetections: DriftDetection[] = []
  #detector: PageHinkley | ErrorCusum
  #boostLeft: number
  #baseRate: number | null
  #refit: RefitWindow

  constructor (settings: ResolvedDrift, state?: DriftState) {
    this.settings = settings
    const saved = state?.detector
    const { threshold, delta, falseAlarmRows, minRows } = settings
    const gap = minRows !== undefined ? { minRows } : {}
    // A state saved by the other detector (the lineage ran with another --drift) is not carried over.
    this.#detector = settings.detector === 'cusum'
      ? new ErrorCusum({ falseAlarmRows, ...gap }, saved !== undefined && 'errorRate' in saved ? saved : undefined)
      : new PageHinkley({ delta, threshold, ...gap }, saved !== undefined && !('errorRate' in saved) ? saved : undefined)
    this.detections = [...(state?.detections ?? [])]
    this.#boostLeft = state?.boostLeft ?? 0
    this.#baseRate = state?.baseRate ?? null
    this.#refit = new RefitWindow(settings.refitWindow, state?.refit)
  }

  /** Whether a detector runs (the `--drift` setting is not `off`). */
  get enabled (): boolean { return this.settings.detector !== 'off' }

  /** What the detector reads from scored rows: each row's error (CUSUM) or log loss (Page-Hinkley). */
  signal (task: ResolvedTask, outputs: ArrayLike<number>, labels: ArrayLike<number>, n: number): Float64Array {
    return this.settings.detector === 'cusum' ? rowErrors(task, outputs, labels, n) : rowLosses(task, outputs, labels, n)
  }

  /**
   * Feeds one step's signal (see signal; in the order scored) and says what the optimizer must
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
    if (detected && (s.action === 'boost' || s.action === 'refit')) {
      this.#baseRate ??= rate
      this.#boostLeft = s.action === 'refit' ? s.refitRows : s.boostRows
      if (s.action === 'refit') this.#refit.start(s.refitRows)
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
    return this.#boostLeft > 0 && this.settings.action === 'boost' ? Math.max(epochsPerBatch, this.settings.boostEpochs) : epochsPerBatch
  }

  /** The rows to fit for a step: its own, or with a refit in progress the rows since the detection (see RefitWindow). */
  fitRows (x: Float32Array, y: Float32Array, m: number, features: number): { x: Float32Array, y: Float32Array, m: number } {
    return this.#refit.rows(x, y, m, features)
  }

  /** The state to save with a version: the detector's statistic, the boost in progress, every detection. */
  state (): DriftState {
    const refit = this.#refit.state()
    return { detector: this.#detector.state(), detections: [...this.detections], boostLeft: this.#boostLeft, baseRate: this.#baseRate, ...(refit !== undefined ? { refit } : {}) }
  }
}

/** The `detectDrift` step's detail in `streamfit describe online`. */
export function driftDetail (d: DriftSettings, smallWeights = 20_000): string {
  if (d.detector === 'auto') {
    const small = resolveDrift(d, true)
    const large = resolveDrift(d, false)
    return `for a model under ${smallWeights.toLocaleString('en')} weights, ${driftDetail(small)}; for a larger one, ${driftDetail(large)}`
  }
  if (d.detector === 'off') return 'off'
  const action = d.action === 'boost'
    ? `for ${d.boostRows} rows, ${boostDetail(d)}`
    : d.action === 'refit'
      ? `for ${d.refitRows} rows, each step fitted with the rows since the detection (the last ${d.refitWindow})${d.boostFloor > 0 ? ` at a learning rate of at least ${d.boostFloor}` : ''}`
      : d.action === 'reset' ? 'a fresh Adam at the same learning rate' : 'none (logged and counted only)'
  const test = d.detector === 'cusum'
    ? `a CUSUM on each row's prequential error, for a doubling of the error rate (false alarms at most about once per ${d.falseAlarmRows} rows where nothing changes)`
    : `Page-Hinkley on each row's prequential log loss (threshold ${d.threshold}, delta ${d.delta})`
  return `${test}; on a drift: ${action}; its state saved with each version`
}

/** What a boost does: "6 epochs per step at the learning rate ×3 (at least 0.001), a fresh Adam". */
export function boostDetail (d: DriftSettings): string {
  const rate = d.boostFactor === 1 ? 'the learning rate' : `${d.boostFactor}× the learning rate`
  return `${d.boostEpochs > 0 ? `${d.boostEpochs} epochs per step` : 'the usual epochs'} at ${rate}${d.boostFloor > 0 ? ` (at least ${d.boostFloor})` : ''}${d.boostResets ? ', a fresh Adam' : ''}`
}

/** Parses `--drift`: auto, cusum, page-hinkley (ph) or off. */
export function parseDetector (text: string): DriftSettings['detector'] {
  if (text === 'off' || text === 'none') return 'off'
  if (text === 'auto') return 'auto'
  if (text === 'page-hinkley' || text === 'ph') return 'page-hinkley'
  if (text === 'cusum') return 'cusum'
  throw new UsageError(`--drift expects auto, cusum, page-hinkley (ph) or off; got "${text}"`)
}

/** Parses `--drift-action`: auto, refit, boost, reset or none. */
export function parseAction (text: string): DriftSettings['action'] {
  if (text === 'auto' || text === 'boost' || text === 'refit' || text === 'reset' || text === 'none') return text
  throw new UsageError(`--drift-action expects auto, refit, boost, reset or none; got "${text}"`)
}
