// The drift detector (Page-Hinkley) on synthetic per-row loss sequences with known change points,
// over many seeds, and the monitor's action schedule and saved state: the boost, and the refit with
// its window of rows (the CUSUM itself is in error-cusum.test.ts); 'auto' by the model's size.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../src/errors.js'
import { DRIFT_DEFAULTS, DriftMonitor, parseAction, parseDetector, resolveDrift, rowErrors, rowLosses } from '../../src/online/drift.js'
import { PageHinkley } from '../../src/online/page-hinkley.js'
import { RefitWindow } from '../../src/online/refit-window.js'
import { seededRandom } from '../../src/random.js'

const rng = seededRandom
/** A large model's settings: Page-Hinkley on the log loss, then a boost. */
const PH = resolveDrift(DRIFT_DEFAULTS, false)

function normal (random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

/**
 * A classifier's per-row log loss: the true class gets probability sigmoid(z), z ~ N(margin, 1.5).
 * margin 1.2 is right ~75% of the time (SUSY-like, mean loss ≈ 0.5); −1.2 is the same model after
 * the labels were inverted.
 */
function logLoss (random: () => number, margin: number): number {
  const z = margin + 1.5 * normal(random)
  return Math.log1p(Math.exp(-z))
}

/** Rows at which the detector fires on `rows` values of `next(i)`. */
function detections (next: (i: number) => number, rows: number, detector = new PageHinkley()): number[] {
  const at: number[] = []
  for (let i = 0; i < rows; i++) if (detector.add(next(i))) at.push(i)
  return at
}

test('stationary loss: no detection over 100 seeds of 20,000 rows each', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const random = rng(seed)
    assert.equal(detections(() => logLoss(random, 1.2), 20_000), [], `seed ${seed}`)
  }
})

test('a loss that falls as the model learns never alarms (the test is one-sided)', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const random = rng(seed)
    assert.equal(detections(i => logLoss(random, 1.2 * Math.min(1, i / 3000)), 10_000), [], `seed ${seed}`)
  }
})

test('labels inverted at row 4,000: detected once, within 150 rows, on every seed', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const random = rng(seed)
    const at = detections(i => logLoss(random, i < 4000 ? 1.2 : -1.2), 4400)
    assert.is(at.length, 1, `seed ${seed}: ${at.join(', ')}`)
    assert.ok(at[0] >= 4000 && at[0] < 4150, `seed ${seed}: detected at ${at[0]}`)
  }
})

test('a smaller shift of the mean (+0.3 per row) is detected within 400 rows', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const random = rng(seed)
    const at = detections(i => 0.5 + 0.3 * normal(random) + (i >= 5000 ? 0.3 : 0), 6000)
    assert.ok(at.length >= 1 && at[0] >= 5000 && at[0] < 5400, `seed ${seed}: ${at.join(', ')}`)
  }
})

test('a detector restored from its saved state continues exactly as the uninterrupted one', () => {
  const values = ((random: () => number) => Array.from({ length: 9000 }, (_, i) => logLoss(random, i < 4000 ? 1.2 : -1.2)))(rng(7))
  const whole = detections(i => values[i], values.length)
  for (const cut of [1, 3990, 4030, 4100, 8000]) {
    const first = new PageHinkley()
    const before = detections(i => values[i], cut, first)
    const resumed = new PageHinkley({}, JSON.parse(JSON.stringify(first.state())))
    const after = detections(i => values[cut + i], values.length - cut, resumed).map(i => i + cut)
    assert.equal([...before, ...after], whole, `cut at ${cut}`)
  }
})

test('monitor: boost raises the rate with a fresh Adam on detection, then restores it; state round-trips', () => {
  const random = rng(3)
  const settings = { ...PH, action: 'boost' as const, boostFactor: 3, boostFloor: 0.001, boostRows: 600, boostResets: true, boostEpochs: 0 }
  const monitor = new DriftMonitor(settings)
  const steps = []
  let rate = 0.001
  for (let batch = 0; batch < 40; batch++) {
    const losses = Array.from({ length: 200 }, () => logLoss(random, batch < 20 ? 1.2 : -1.2))
    const { step, detected } = monitor.observe(losses, i => ({ partition: 0, offset: BigInt(batch * 200 + i + 10) }), batch * 200, rate)
    if (step !== null) { steps.push({ batch, ...step, detected: detected.length }); rate = step.learningRate }
    if (batch === 21) {
      // Mid-boost: a monitor restored from the saved state carries on identically.
      const copy = new DriftMonitor(settings, JSON.parse(JSON.stringify(monitor.state())))
      assert.equal(copy.state(), monitor.state())
    }
  }
  assert.equal(steps, [
    { batch: 20, op: 'reset', learningRate: 0.003, detected: 1 },
    { batch: 23, op: 'setRate', learningRate: 0.001, detected: 0 }
  ])
  assert.is(monitor.detections.length, 1)
  const [d] = monitor.detections
  assert.ok(d.row > 4000 && d.row < 4150, String(d.row))
  assert.is(d.offset, String(d.row - 1 + 10), 'the offset of the row that completed the test')
  assert.is(monitor.state().baseRate, null)
})

test('monitor: a boost that keeps Adam sets the rate, and fits more epochs only while it lasts', () => {
  const monitor = new DriftMonitor({ ...PH, action: 'boost', boostFactor: 2, boostFloor: 0, boostRows: 300, boostResets: false, boostEpochs: 6 })
  const where = (): { partition: number, offset: bigint } => ({ partition: 0, offset: 0n })
  assert.equal(monitor.observe(new Array(200).fill(0.3), where, 0, 0.01).step, null)
  assert.is(monitor.epochs(3), 3, 'no boost before a drift')
  assert.equal(monitor.observe(new Array(200).fill(3), where, 200, 0.01).step, { op: 'setRate', learningRate: 0.02 })
  assert.is(monitor.epochs(3), 6)
  assert.is(monitor.epochs(8), 8, 'never fewer epochs than the run\'s')
  assert.equal(monitor.observe(new Array(200).fill(0.3), where, 400, 0.02).step, null)
  assert.is(monitor.epochs(3), 6, '100 boosted rows left')
  assert.equal(monitor.observe(new Array(200).fill(0.3), where, 600, 0.02).step, { op: 'setRate', learningRate: 0.01 })
  assert.is(monitor.epochs(3), 3)
})

test('monitor: off never detects; reset keeps the rate; per-row losses and errors; flag parsing', () => {
  const off = new DriftMonitor({ ...PH, detector: 'off' })
  assert.equal(off.observe(new Array(500).fill(20), () => ({ partition: 0, offset: 0n }), 0, 0.001), { detected: [], step: null })
  const reset = new DriftMonitor({ ...PH, action: 'reset' })
  const { step } = reset.observe(new Array(200).fill(0.3).concat(new Array(200).fill(3)), () => ({ partition: 0, offset: 0n }), 0, 0.0005)
  assert.equal(step, { op: 'reset', learningRate: 0.0005 })
  const binary = rowLosses({ type: 'binary', classes: ['0', '1'] }, [0.8, 0.8], [1, 0], 2)
  assert.ok(Math.abs(binary[0] + Math.log(0.8)) < 1e-9 && Math.abs(binary[1] + Math.log(0.2)) < 1e-6)
  const multi = rowLosses({ type: 'multiclass', classes: ['a', 'b', 'c'] }, [0.2, 0.5, 0.3], [2], 1)
  assert.ok(Math.abs(multi[0] + Math.log(0.3)) < 1e-6)
  assert.equal(Array.from(rowErrors({ type: 'binary', classes: ['0', '1'] }, [0.8, 0.8, 0.3], [1, 0, 0], 3)), [0, 1, 0])
  assert.equal(Array.from(rowErrors({ type: 'multiclass', classes: ['a', 'b', 'c'] }, [0.2, 0.5, 0.3, 0.6, 0.3, 0.1], [1, 2], 2)), [0, 1])
  assert.is(parseDetector('ph'), 'page-hinkley')
  assert.is(parseDetector('off'), 'off')
  assert.is(parseAction('reset'), 'reset')
  assert.throws(() => parseDetector('adwin'), (e: unknown) => e instanceof UsageError)
  assert.throws(() => parseAction('panic'), (e: unknown) => e instanceof UsageError)
})

test('refit window: the rows since the start (the newest `size`), with each step, until `rows` have gone by; a start mid-refit extends it', () => {
  const rows = (from: number, m: number): { x: Float32Array, y: Float32Array } => ({
    x: Float32Array.from({ length: m * 2 }, (_, i) => from * 2 + i),
    y: Float32Array.from({ length: m }, (_, i) => (from + i) % 2)
  })
  const w = new RefitWindow(5)
  const idle = rows(0, 3)
  assert.is(w.rows(idle.x, idle.y, 3, 2).x, idle.x, 'no refit: the step\'s own rows, as they came')
  w.start(7)
  const fit = (from: number, m: number): number[] => { const r = rows(from, m); const f = w.rows(r.x, r.y, m, 2); assert.is(f.y.length, f.m); return Array.from(f.y.keys(), i => f.x[i * 2] / 2) }
  assert.equal(fit(10, 3), [10, 11, 12])
  const saved = JSON.parse(JSON.stringify(w.state())) as ReturnType<RefitWindow['state']>
  const next = rows(13, 3)
  const copy = new RefitWindow(5, saved)
  assert.equal(Array.from(copy.rows(next.x, next.y, 3, 2).x), Array.from(w.rows(next.x, next.y, 3, 2).x), 'restored mid-refit: the same window')
  assert.equal(copy.state(), w.state())
  assert.equal(w.state()?.xs.filter((_, i) => i % 2 === 0).map(v => v / 2), [11, 12, 13, 14, 15], 'the newest 5 rows')
  w.start(4) // a second detection: 4 more rows, the window kept
  assert.equal(fit(16, 2), [13, 14, 15, 16, 17])
  assert.equal(fit(18, 2), [15, 16, 17, 18, 19])
  assert.is(w.state(), undefined, 'over: nothing to save')
  assert.equal(fit(20, 2), [20, 21], 'after the refit: the step\'s own rows')
})

test('monitor: CUSUM then refit; each step fitted with the rows since the detection for refitRows rows; state (window included) round-trips', () => {
  const settings = resolveDrift(DRIFT_DEFAULTS, true)
  assert.equal([settings.detector, settings.action], ['cusum', 'refit'])
  const monitor = new DriftMonitor(settings)
  const random = rng(4)
  const where = (i: number): { partition: number, offset: bigint } => ({ partition: 0, offset: BigInt(i) })
  let detectedAt = -1
  const sizes: number[] = []
  for (let at = 0; at < 4000; at += 16) {
    const errors = Array.from({ length: 16 }, () => random() < (at >= 2000 && at < 2200 ? 0.4 : 0.1) ? 1 : 0)
    const { detected, step } = monitor.observe(errors, where, at, 0.0005)
    if (detected.length > 0 && detectedAt < 0) {
      detectedAt = at
      assert.equal(step, { op: 'setRate', learningRate: settings.boostFloor }, 'a continued version\'s slow rate raised to the floor')
    }
    const x = Float32Array.from({ length: 48 }, (_, i) => at + i / 3)
    const fit = monitor.fitRows(x, new Float32Array(16), 16, 3)
    if (detectedAt >= 0) sizes.push(fit.m)
    if (detectedAt >= 0 && sizes.length === 5) {
      const copy = new DriftMonitor(settings, JSON.parse(JSON.stringify(monitor.state())))
      assert.equal(copy.state(), monitor.state(), 'the refit in progress and its window, saved and restored')
      assert.is(monitor.state().refit?.xs.length, 5 * 16 * 3)
    }
  }
  assert.ok(detectedAt >= 2000 && detectedAt < 2300, `detected in the step at ${detectedAt}`)
  assert.is(monitor.epochs(3), 3, 'a refit keeps the run\'s epochs')
  const refitSteps = Math.ceil(settings.refitRows / 16)
  assert.equal(sizes.slice(0, refitSteps), Array.from({ length: refitSteps }, (_, i) => Math.min(16 * (i + 1), settings.refitWindow)))
  assert.is(sizes[refitSteps], 16, 'then each step alone')
})

test('auto: a small model gets the CUSUM and the refit, a large one Page-Hinkley and the boost; explicit settings are kept', () => {
  assert.equal([resolveDrift(DRIFT_DEFAULTS, false).detector, resolveDrift(DRIFT_DEFAULTS, false).action], ['page-hinkley', 'boost'])
  assert.equal([resolveDrift(DRIFT_DEFAULTS, true).detector, resolveDrift(DRIFT_DEFAULTS, true).action], ['cusum', 'refit'])
  const chosen = resolveDrift({ ...DRIFT_DEFAULTS, detector: 'page-hinkley', action: 'refit' }, true)
  assert.equal([chosen.detector, chosen.action], ['page-hinkley', 'refit'])
  assert.is(resolveDrift({ ...DRIFT_DEFAULTS, detector: 'cusum' }, false).action, 'refit', 'auto action follows the detector')
  assert.is(parseDetector('auto'), 'auto')
  assert.is(parseDetector('cusum'), 'cusum')
  assert.is(parseAction('refit'), 'refit')
  assert.is(parseAction('auto'), 'auto')
})

test.run()
