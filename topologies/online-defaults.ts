// The defaults of `streamfit online` in one place, each with why (the figures from bench/drift).
import type { SavePolicy } from '../src/online/save-policy.js'
import type { WarmupSettings } from '../src/online/warmup.js'
import { DRIFT_DEFAULTS, type DriftSettings } from '../src/online/drift.js'

/** The defaults of an online run, in one place. */
export const onlineDefaults = {
  model: 'susy',
  groupId: 'cgonline',
  streamTimeout: -1,
  /** Epochs per mini-batch for a new model (the tutorial's), and when continuing a stored version. */
  newEpochsPerBatch: 3,
  /**
   * A new model's warm-up (OnlineLearner's warmup): at least `epochs` per step over its first
   * `rows` rows. Measured with bench/drift's streams (3 epochs → 1,000 rows × 6, whole polls):
   * Phishing 0.558 → 0.695, SEA 0.850 → 0.854, SUSY abrupt 0.748 → 0.755. A version continued
   * from elsewhere (train's) never warms up.
   */
  newWarmup: { rows: 1000, epochs: 6 } as WarmupSettings,
  /**
   * A new model learns online at this × its spec's learning rate (SUSY: 0.003): each row is fitted
   * a few epochs in one step, not the hundreds of passes `train` makes. bench/drift, steps of 32,
   * 1× → 3×: SEA 0.865 → 0.873, SUSY abrupt 0.767 → 0.772, Phishing 0.746 → 0.851, stationary
   * SUSY 0.782 → 0.779; 5× and 10× cost SUSY more (0.776, 0.743 stationary).
   */
  newRateFactor: 3,
  continueEpochsPerBatch: 1,
  /** The default learning rate when continuing a version from outside the lineage (e.g. train's). */
  continueLearningRate: 0.00003,
  batchSize: 32,
  /**
   * Rows scored, then fitted, at a time within a mini-batch (0: the whole mini-batch; see
   * testThenTrain); 'auto': `smallModelStep` for a model under `smallModelWeights` weights, else
   * `largeModelStep`. Smaller steps score each row with a fresher model, for more gradient steps.
   * bench/drift, new models, whole polls of ≤ 256 → steps of 32: SUSY abrupt 0.747 → 0.767
   * (recovery 900 → 700 rows), SEA 0.854 → 0.865, Phishing 0.695 → 0.746. Steps of 16 double the
   * gradient steps, which a small model affords: on WASM its step costs a quarter to a half of
   * SUSY's (bench/step-cost.ts). SEA 0.8727 → 0.8749, Phishing 0.851 → 0.868; SUSY's MLP would
   * halve its rows/s.
   */
  step: 'auto' as number | 'auto',
  largeModelStep: 32,
  smallModelStep: 16,
  smallModelWeights: 20_000,
  maxRecords: 256,
  drift: DRIFT_DEFAULTS as DriftSettings,
  savePolicy: { everyBatches: 10, everyMs: 30_000 } satisfies SavePolicy,
  sessionTimeout: 10_000,
  keepVersions: 0,
  fromScratch: false
}
