// Per-task figures against hand-computed values and scikit-learn's definitions. The sklearn values
// quoted were printed by scikit-learn 1.9.1 (accuracy_score, f1_score(average='macro'), log_loss,
// confusion_matrix, mean_squared_error, mean_absolute_error, r2_score) on the same float32 inputs.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { binaryMetrics } from '../../src/ml/evaluation.js'
import { evaluateTask, formatMetrics, headline, isBetter, metricFigures, type TaskMetrics } from '../../src/ml/task-metrics.js'
import { seededRandom } from '../../src/random.js'

const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected}`)

const weather = { type: 'multiclass' as const, classes: ['drizzle', 'rain', 'sun', 'snow'] }
// Row 3 ties classes 0-2 (the lowest index wins); no row is truly "snow", one is predicted so.
const probabilities = Float32Array.from([
  0.7, 0.2, 0.05, 0.05,
  0.1, 0.6, 0.2, 0.1,
  0.3, 0.3, 0.3, 0.1,
  0.2, 0.5, 0.25, 0.05,
  0.05, 0.05, 0.4, 0.5,
  0.6, 0.1, 0.2, 0.1,
  0.25, 0.25, 0.45, 0.05,
  0.1, 0.8, 0.05, 0.05
])
const classLabels = [0, 1, 2, 2, 1, 0, 0, 1]

test('multiclass: accuracy, confusion matrix, macro-F1 and log loss, by hand and as scikit-learn has them', () => {
  const m = evaluateTask(weather, probabilities, classLabels, 8)
  assert.is(m.task, 'multiclass')
  if (m.task !== 'multiclass') return
  assert.is(m.rows, 8)
  // Predicted: 0, 1, 0 (tie), 1, 3, 0, 2, 1.
  assert.equal(m.confusion, [[2, 0, 1, 0], [0, 2, 0, 1], [1, 1, 0, 0], [0, 0, 0, 0]])
  assert.equal(m.classes, weather.classes)
  assert.is(m.accuracy, 0.5)
  // F1 per class: 2·2/(3+3), 2·2/(3+3), 0 (true twice, never predicted), 0 (predicted once, never true).
  close(m.macroF1, (2 / 3 + 2 / 3 + 0 + 0) / 4, 1e-15, 'macro-F1')
  close(m.macroF1, 0.3333333333333333, 1e-15, 'sklearn macro-F1')
  const trueProbabilities = [0.7, 0.6, 0.3, 0.25, 0.05, 0.6, 0.25, 0.8]
  close(m.loss, -trueProbabilities.reduce((s, p) => s + Math.log(Math.fround(p)), 0) / 8, 1e-15, 'log loss')
  close(m.loss, 1.071720426365365, 1e-12, 'sklearn log_loss')
})

test('multiclass macro-F1 leaves out a class neither true nor predicted, as scikit-learn does', () => {
  const p = Float32Array.from([0.9, 0.05, 0.03, 0.02, 0.2, 0.7, 0.05, 0.05, 0.6, 0.3, 0.05, 0.05, 0.3, 0.6, 0.05, 0.05, 0.1, 0.8, 0.05, 0.05])
  const m = evaluateTask(weather, p, [0, 1, 2, 2, 1], 5)
  if (m.task !== 'multiclass') throw new Error(m.task)
  // Classes 0, 1, 2: F1 2/3, 0.8, 0 ("sun" is never predicted); "snow" appears nowhere.
  close(m.macroF1, (2 / 3 + 0.8 + 0) / 3, 1e-15, 'macro-F1')
  close(m.macroF1, 0.48888888888888893, 1e-15, 'sklearn macro-F1')
  close(m.loss, 1.3353287113672239, 1e-12, 'sklearn log_loss')
  assert.is(m.accuracy, 0.6)
})

test('multiclass: a confident miss has a finite loss (clipped at 1e-7) and a bad label is refused', () => {
  const m = evaluateTask({ type: 'multiclass', classes: ['a', 'b', 'c'] }, Float32Array.from([1, 0, 0]), [1], 1)
  if (m.task !== 'multiclass') throw new Error(m.task)
  close(m.loss, -Math.log(1e-7), 1e-9, 'clipped loss')
  assert.throws(() => evaluateTask({ type: 'multiclass', classes: ['a', 'b'] }, Float32Array.from([0.5, 0.5]), [2], 1), /not a class index below 2/)
  assert.throws(() => evaluateTask({ type: 'multiclass', classes: ['a', 'b'] }, Float32Array.from([0.5, 0.5]), [0, 1], 2), /need 2×2 outputs/)
})

test('regression: RMSE, MAE and R², by hand and as scikit-learn has them', () => {
  const labels = [3, -0.5, 2, 7, 4.25]
  const m = evaluateTask({ type: 'regression' }, Float32Array.from([2.5, 0, 2, 8, 3.75]), labels, 5)
  if (m.task !== 'regression') throw new Error(m.task)
  assert.is(m.rows, 5)
  // Errors -0.5, 0.5, 0, 1, -0.5: SSE 1.75; label mean 3.15, SS_tot 30.7.
  close(m.rmse, Math.sqrt(1.75 / 5), 1e-15, 'RMSE')
  close(m.rmse, 0.5916079783099616, 1e-15, 'sklearn RMSE')
  assert.is(m.mae, 0.5)
  close(m.r2, 1 - 1.75 / 30.7, 1e-14, 'R²')
  close(m.r2, 0.9429967426710097, 1e-14, 'sklearn R²')
})

test('regression R² on a constant label: 1 when exact, else 0 (scikit-learn\'s force_finite)', () => {
  const exact = evaluateTask({ type: 'regression' }, Float32Array.from([3, 3, 3]), [3, 3, 3], 3)
  const off = evaluateTask({ type: 'regression' }, Float32Array.from([2, 3, 4]), [3, 3, 3], 3)
  assert.is(exact.task === 'regression' && exact.r2, 1)
  assert.is(off.task === 'regression' && off.r2, 0)
  // A large constant label: Welford's M2 stays exactly 0 where Σy² - (Σy)²/n would not.
  const big = evaluateTask({ type: 'regression' }, new Float32Array(1000).fill(1e6 + 0.5), new Float32Array(1000).fill(1e6 + 0.5), 1000)
  assert.is(big.task === 'regression' && big.r2, 1)
})

test('binary figures are binaryMetrics\' own, on the first n rows', () => {
  const random = seededRandom(3)
  const scores = new Float32Array(500).map(() => random())
  const labels = Float32Array.from(scores, s => (random() < s ? 1 : 0))
  const m = evaluateTask({ type: 'binary', classes: ['0', '1'] }, scores, labels, 400)
  assert.equal(m, { task: 'binary', ...binaryMetrics(scores.subarray(0, 400), labels.subarray(0, 400)) })
  const fromArray = evaluateTask({ type: 'binary', classes: ['0', '1'] }, scores, Array.from(labels), 400)
  assert.equal(fromArray, m)
})

test('headline, isBetter, formatMetrics and metricFigures per task', () => {
  const binary: TaskMetrics = { task: 'binary', rows: 10, accuracy: 0.8123, auc: 0.87123, loss: 0.5234 }
  const multi: TaskMetrics = { task: 'multiclass', rows: 10, accuracy: 0.8123, macroF1: 0.77, loss: 0.5234, confusion: [[1]], classes: ['a'] }
  const reg: TaskMetrics = { task: 'regression', rows: 10, rmse: 3.1, mae: 2.2, r2: 0.8412 }
  assert.equal(headline(binary), { name: 'loss', label: 'log-loss', value: 0.5234, direction: 'lower' })
  assert.equal(headline(multi), { name: 'loss', label: 'log-loss', value: 0.5234, direction: 'lower' })
  assert.equal(headline(reg), { name: 'rmse', label: 'RMSE', value: 3.1, direction: 'lower' })
  assert.ok(isBetter({ ...reg, rmse: 3 }, reg))
  assert.not.ok(isBetter(reg, { ...reg, rmse: 3 }))
  assert.not.ok(isBetter({ ...binary, loss: NaN }, binary))
  assert.ok(isBetter(binary, { ...binary, loss: NaN }))
  assert.throws(() => isBetter(binary, multi), /binary figures with multiclass/)
  assert.is(formatMetrics(binary), 'accuracy 0.812, AUC 0.871, log-loss 0.523')
  assert.is(formatMetrics(multi), 'accuracy 0.812, macro-F1 0.77, log-loss 0.523')
  assert.is(formatMetrics(reg), 'RMSE 3.1, MAE 2.2, R² 0.841')
  assert.is(formatMetrics({ ...reg, rmse: 12345.678, mae: 0.000123456, r2: NaN }), 'RMSE 12346, MAE 0.000123, R² n/a')
  assert.equal(metricFigures(binary), { rows: 10, accuracy: 0.8123, auc: 0.87123, loss: 0.5234 })
  assert.equal(metricFigures(multi), { rows: 10, accuracy: 0.8123, macroF1: 0.77, loss: 0.5234 })
  assert.equal(metricFigures(reg), { rows: 10, rmse: 3.1, mae: 2.2, r2: 0.8412 })
})

test('no rows: NaN figures, not a throw', () => {
  const m = evaluateTask(weather, new Float32Array(0), [], 0)
  assert.ok(m.task === 'multiclass' && m.rows === 0 && Number.isNaN(m.accuracy) && Number.isNaN(m.macroF1) && Number.isNaN(m.loss))
  const r = evaluateTask({ type: 'regression' }, new Float32Array(0), [], 0)
  assert.ok(r.task === 'regression' && Number.isNaN(r.rmse) && Number.isNaN(r.r2))
})

test.run()
