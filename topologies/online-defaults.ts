// The defaults of `streamfit online` in one place, each with why (the figures from bench/drift).
import { JS_TWIN_MAX_WEIGHTS } from '../src/ml/js-twin.js'
import type { SavePolicy } from '../src/online/save-policy.js'
import type { WarmupSettings } from '../src/online/warmup.js'
import type { FastStartSettings } from '../src/online/fast-start.js'
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
   * A new model's fast start (OnlineLearner's fastStart): steps of `step` rows at `rateFactor` ×
   * the run's rate over its first `rows` rows; 'auto': `smallModelFastStart` for a model under
   * `smallModelWeights` weights, none otherwise. bench/drift, seeds 1–3, 300 rows in steps of 4
   * at 2×: SEA 0.8749/0.8698/0.8721 → 0.8756/0.8758/0.8741, Phishing 0.8680/0.8904/0.9000 →
   * 0.8872/0.8928/0.8976; on SUSY's MLP it did harm (stationary 0.7788/0.7781/0.7740 →
   * 0.7640/0.7609/0.7534), as did larger rates before (newRateFactor).
   */
  newFastStart: 'auto' as FastStartSettings | 'auto',
  smallModelFastStart: { rows: 300, step: 4, rateFactor: 2 } as FastStartSettings,
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
  /**
   * With `--backend auto`, a model under this many weights, of Dense and Dropout layers, learns and
   * predicts in plain JavaScript (its tfjs model's twin), where its step costs the arithmetic alone.
   */
  jsTwinMaxWeights: JS_TWIN_MAX_WEIGHTS,
  maxRecords: 256,
  drift: DRIFT_DEFAULTS as DriftSettings,
  savePolicy: { everyBatches: 10, everyMs: 30_000 } satisfies SavePolicy,
  sessionTimeout: 10_000,
  keepVersions: 0,
  fromScratch: false
}
