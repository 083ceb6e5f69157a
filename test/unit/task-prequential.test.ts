// The prequential meter per task: a meter fed mini-batch by mini-batch ends where a held-out
// evaluation of all its rows does, reports each batch's own figures, continues from a saved
// state as if it had never stopped, and leaves the binary meter's figures as they were.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { evaluateTask } from '../../src/ml/task-metrics.js'
import { PrequentialMetrics, quarterLosses } from '../../src/online/prequential.js'
import { prequentialMeter, type MulticlassBatchScore, type RegressionBatchScore } from '../../src/online/task-prequential.js'
import { seededRandom } from '../../src/random.js'

const classes = ['low', 'mid', 'high']
const multiclass = { type: 'multiclass' as const, classes }

function multiclassRows (n: number, seed: number): { outputs: Float32Array, labels: Float32Array } {
  const random = seededRandom(seed)
  const outputs = new Float32Array(n * 3)
  const labels = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(random() * 3)
    const raw = [random(), random(), random()]
    raw[labels[i]!]! += random() // right more often than not
    const sum = raw[0]! + raw[1]! + raw[2]!
    raw.forEach((r, k) => { outputs[i * 3 + k] = r / sum })
  }
  return { outputs, labels }
}

function closeFigures (actual: Record<string, unknown>, expected: Record<string, unknown>, what: string): void {
  for (const [k, v] of Object.entries(expected)) {
    if (typeof v === 'number') assert.ok(Math.abs((actual[k] as number) - v) < 1e-12, `${what} ${k}: ${String(actual[k])} vs ${v}`)
    else assert.equal(actual[k], v, `${what} ${k}`)
  }
}

test('multiclass meter: batches add up to the evaluation of all rows; each batch scored on its own', () => {
  const { outputs, labels } = multiclassRows(1000, 11)
  const meter = prequentialMeter(multiclass)
  const batches = [0, 100, 350, 350, 700, 1000] // includes an empty mini-batch
  for (let b = 0; b + 1 < batches.length; b++) {
    const [from, to] = [batches[b]!, batches[b + 1]!]
    const score = meter.add(outputs.subarray(from * 3, to * 3), labels.subarray(from, to), to - from) as MulticlassBatchScore
    if (to === from) { assert.is(score.rows, 0); continue }
    const alone = evaluateTask(multiclass, outputs.subarray(from * 3, to * 3), labels.subarray(from, to), to - from)
    if (alone.task !== 'multiclass') throw new Error(alone.task)
    closeFigures({ ...score }, { rows: alone.rows, accuracy: alone.accuracy, loss: alone.loss, macroF1: alone.macroF1 }, `batch ${b}`)
  }
  closeFigures({ ...meter.figures() }, { ...evaluateTask(multiclass, outputs, labels, 1000) }, 'running')
  assert.is(meter.curve.length, 4, 'one curve point per non-empty batch')
  assert.equal(meter.curve.map(p => p.rows), [100, 350, 700, 1000])
  const last = meter.curve.at(-1)!
  assert.ok('macroF1' in last && Math.abs(last.macroF1 - (meter.figures() as { macroF1: number }).macroF1) < 1e-15)
})

test('multiclass and regression meters continue from a saved state as one meter over all rows', () => {
  const { outputs, labels } = multiclassRows(600, 5)
  const first = prequentialMeter(multiclass)
  first.add(outputs.subarray(0, 900), labels.subarray(0, 300), 300)
  const resumed = prequentialMeter(multiclass, JSON.parse(JSON.stringify(first.state())))
  resumed.add(outputs.subarray(900), labels.subarray(300), 300)
  closeFigures({ ...resumed.figures() }, { ...evaluateTask(multiclass, outputs, labels, 600) }, 'resumed multiclass')

  const random = seededRandom(9)
  const values = new Float32Array(800).map(() => 1e4 + random() * 10)
  const guesses = values.map(v => v + (random() - 0.5) * 2)
  const r1 = prequentialMeter({ type: 'regression' })
  r1.add(guesses.subarray(0, 250), values.subarray(0, 250), 250)
  const r2 = prequentialMeter({ type: 'regression' }, JSON.parse(JSON.stringify(r1.state())))
  r2.add(guesses.subarray(250, 500), values.subarray(250, 500), 250)
  r2.add(guesses.subarray(500), values.subarray(500), 300)
  closeFigures({ ...r2.figures() }, { ...evaluateTask({ type: 'regression' }, guesses, values, 800) }, 'resumed regression')
  assert.is(r2.rows, 800)

  // Nothing to continue from: a fresh meter (a state of no rows has no NaN to carry).
  const empty = prequentialMeter(multiclass, prequentialMeter(multiclass).state())
  assert.is(empty.rows, 0)
  assert.throws(() => prequentialMeter(multiclass, { rows: 3, accuracy: 1, loss: 0.1 } as never), /needs its confusion matrix/)
})

test('regression meter: RMSE, MAE and R² per batch and running; its loss (MSE) feeds quarterLosses', () => {
  const meter = prequentialMeter({ type: 'regression' })
  // Four batches of 10 rows whose error grows: |e| = 1, 1, 2, 3 on labels 0..9.
  const labels = Float32Array.from({ length: 10 }, (_, i) => i)
  for (const e of [1, 1, 2, 3]) {
    const score = meter.add(labels.map((y, i) => y + (i % 2 === 0 ? e : -e)), labels, 10) as RegressionBatchScore
    assert.is(score.rmse, e)
    assert.is(score.mae, e)
    assert.is(score.loss, e * e)
    assert.ok(Math.abs(score.r2 - (1 - 10 * e * e / 82.5)) < 1e-12, `R² ${score.r2}`) // SS_tot of 0..9 is 82.5
  }
  assert.is(meter.loss, (1 + 1 + 4 + 9) / 4)
  const running = meter.figures()
  assert.ok(running.task === 'regression' && running.rmse === Math.sqrt(15 / 4) && running.mae === 7 / 4)
  assert.equal(meter.curve.map(p => 'batchRmse' in p && p.batchRmse), [1, 1, 2, 3])
  assert.equal(quarterLosses(meter.curve), { first: 1, last: 9 })
})

test('binary through prequentialMeter is the PrequentialMetrics it always was', () => {
  const random = seededRandom(2)
  const scores = new Float32Array(2000).map(() => random())
  const labels = Float32Array.from(scores, s => (random() < s ? 1 : 0))
  const meter = prequentialMeter({ type: 'binary', classes: ['0', '1'] }, { rows: 50, accuracy: 0.6, loss: 0.7 })
  const old = new PrequentialMetrics({ rows: 50, accuracy: 0.6, loss: 0.7 })
  assert.ok(meter instanceof PrequentialMetrics)
  for (let at = 0; at < 2000; at += 500) {
    assert.equal(meter.add(scores.subarray(at, at + 500), labels.subarray(at, at + 500), 500), old.add(scores.subarray(at, at + 500), labels.subarray(at, at + 500), 500))
  }
  assert.equal(meter.curve, old.curve)
  assert.equal(meter.figures(), { task: 'binary', rows: old.rows, accuracy: old.accuracy, auc: old.auc, loss: old.loss })
  assert.equal(meter.state(), { rows: 2050, accuracy: old.accuracy, loss: old.loss })
  // The state a saved version keeps continues the totals.
  const resumed = new PrequentialMetrics(meter.state() as { rows: number, accuracy: number, loss: number })
  assert.is(resumed.rows, 2050)
  assert.ok(Math.abs(resumed.accuracy - old.accuracy) < 1e-15 && Math.abs(resumed.loss - old.loss) < 1e-15)
})

test.run()
