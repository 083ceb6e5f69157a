// The online trainer's small parts, without services: prequential figures, the save policy, the
// consumed-offsets tracker that refuses to count a row twice, and the fault hook's parsing.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../src/errors.js'
import { rocAuc } from '../../src/ml/evaluation.js'
import { ConsumedOffsets } from '../../src/online/consumed.js'
import { faultInjector } from '../../src/online/fault.js'
import { PrequentialMetrics, quarterLosses } from '../../src/online/prequential.js'
import { parseSavePolicy, SaveSchedule } from '../../src/online/save-policy.js'
import type { ConsumedRecord } from '../../src/record.js'

test('prequential accuracy, clipped log loss and a binned AUC close to the exact one', () => {
  const m = new PrequentialMetrics()
  const first = m.add([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 1], 4)
  assert.is(first.accuracy, 0.5)
  assert.ok(Math.abs(first.loss - (-(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4)) < 1e-12)
  m.add([1, 0], [0, 1], 2) // two confident misses: finite loss (clipped at 1e-7)
  assert.is(m.rows, 6)
  assert.is(m.accuracy, 2 / 6)
  assert.ok(Number.isFinite(m.loss) && m.loss > 5)
  assert.equal(m.curve.map(p => p.rows), [4, 6])
  assert.equal(m.curve.map(p => p.batchAccuracy), [0.5, 0])

  let s = 1
  const random = (): number => { s = (s * 16807) % 2147483647; return s / 2147483647 }
  const labels = Array.from({ length: 5000 }, () => (random() < 0.45 ? 1 : 0))
  const scores = labels.map(y => Math.min(1, Math.max(0, 0.5 + (y - 0.5) * 0.4 + (random() - 0.5) * 0.8)))
  const big = new PrequentialMetrics()
  big.add(scores, labels, labels.length)
  assert.ok(Math.abs(big.auc - rocAuc(scores, labels)) < 0.002, `binned ${big.auc} vs exact ${rocAuc(scores, labels)}`)
})

test('prequential totals carry over from a saved version', () => {
  const m = new PrequentialMetrics({ rows: 100, accuracy: 0.7, loss: 0.5 })
  m.add([0.9], [1], 1)
  assert.is(m.rows, 101)
  assert.ok(Math.abs(m.accuracy - 71 / 101) < 1e-12)
})

test('prequential loss by quarter: the mean loss of the first and the last quarter of the rows', () => {
  const m = new PrequentialMetrics()
  // Eight mini-batches of 10 rows, label 1, probability p: per-row loss -ln(p).
  const ps = [0.9, 0.9, 0.8, 0.8, 0.7, 0.7, 0.6, 0.6]
  for (const p of ps) m.add(new Float32Array(10).fill(p), new Float32Array(10).fill(1), 10)
  const q = quarterLosses(m.curve)
  const loss = (p: number): number => -Math.log(Math.fround(p))
  assert.ok(Math.abs(q.first - loss(0.9)) < 1e-9, `first quarter ${q.first}`)
  assert.ok(Math.abs(q.last - loss(0.6)) < 1e-9, `last quarter ${q.last}`)
  assert.ok(q.last > q.first, 'a model getting worse shows as a higher last quarter')
  assert.equal(quarterLosses([]), { first: NaN, last: NaN })
})

test('--save-every: batches, durations, both; bad values are usage errors', () => {
  assert.equal(parseSavePolicy('10'), { everyBatches: 10, everyMs: Infinity })
  assert.equal(parseSavePolicy('30s'), { everyBatches: Infinity, everyMs: 30_000 })
  assert.equal(parseSavePolicy('10,500ms'), { everyBatches: 10, everyMs: 500 })
  assert.equal(parseSavePolicy('2m'), { everyBatches: Infinity, everyMs: 120_000 })
  for (const bad of ['', '0', '-1', '1.5', 'soon', '10,', '5h']) assert.throws(() => parseSavePolicy(bad), (e: Error) => e instanceof UsageError, bad)
})

test('save schedule: every M batches or T ms, whichever first, counted from the last save', () => {
  let now = 0
  const schedule = new SaveSchedule({ everyBatches: 3, everyMs: 1000 }, () => now)
  assert.is(schedule.batchDone(), false)
  assert.is(schedule.batchDone(), false)
  assert.is(schedule.batchDone(), true)
  schedule.saved()
  now = 999
  assert.is(schedule.batchDone(), false)
  now = 1000
  assert.is(schedule.batchDone(), true)
})

function records (partition: number, offsets: number[]): ConsumedRecord[] {
  return offsets.map(o => ({ topic: 't', partition, offset: BigInt(o), key: null, value: null, timestamp: 0n, headers: new Map() }))
}

test('consumed offsets: ranges since the last save, positions, and no going back', () => {
  const consumed = new ConsumedOffsets([10n, 0n])
  consumed.add(records(0, [10, 11, 12]), () => ({ rows: 3, deadLettered: 0 }))
  consumed.add(records(0, [14, 15]).concat(records(1, [0])), p => (p === 0 ? { rows: 1, deadLettered: 1 } : { rows: 1, deadLettered: 0 }))
  assert.equal(consumed.positions, [16n, 1n])
  assert.equal(consumed.take(), [
    { partition: 0, from: '10', to: '16', rows: 4, deadLettered: 1 },
    { partition: 1, from: '0', to: '1', rows: 1, deadLettered: 0 }
  ])
  assert.is(consumed.pending, false)
  // A source that went back behind the model's position would train rows twice: refused.
  assert.throws(() => consumed.add(records(0, [15, 16]), () => ({ rows: 2, deadLettered: 0 })), /refusing to train twice/)
})

test('fault hook: unset does nothing, unknown points are rejected', () => {
  faultInjector({})('after-save-before-commit')
  faultInjector({ STREAMFIT_FAULT: 'after-fit-before-save@5' })('after-save-before-commit')
  assert.throws(() => faultInjector({ STREAMFIT_FAULT: 'sometime' }), /expected one of/)
  assert.throws(() => faultInjector({ STREAMFIT_FAULT: 'after-fit-before-save@0' }), /expected one of/)
})

test.run()
