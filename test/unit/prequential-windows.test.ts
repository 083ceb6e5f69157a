// Prequential figures per window of rows (`online --window`): fed in mini-batches of any size, each
// window holds exactly its rows, with the figures a held-out evaluation of those rows gives.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { evaluateTask } from '../../src/ml/task-metrics.js'
import { PrequentialWindows } from '../../src/online/prequential-windows.js'
import { seededRandom } from '../../src/random.js'

const binary = { type: 'binary' as const, classes: ['0', '1'] as [string, string] }
const multiclass = { type: 'multiclass' as const, classes: ['a', 'b', 'c'] }

function rows (n: number, units: number, seed: number): { outputs: Float32Array, labels: Float32Array } {
  const random = seededRandom(seed)
  const outputs = new Float32Array(n * units)
  const labels = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(random() * Math.max(units, 2))
    if (units === 1) outputs[i] = random()
    else {
      const raw = Array.from({ length: units }, () => random())
      const sum = raw.reduce((a, b) => a + b, 0)
      raw.forEach((v, k) => { outputs[i * units + k] = v / sum })
    }
  }
  return { outputs, labels }
}

for (const [task, units] of [[binary, 1], [multiclass, 3]] as const) {
  test(`${task.type}: windows cut at their row counts whatever the mini-batches, each as evaluated alone`, () => {
    const n = 1000
    const { outputs, labels } = rows(n, units, 7)
    const windows = new PrequentialWindows(task, 300)
    for (let from = 0, k = 0; from < n; k++) { // mini-batches of 1, 77, 256, 1, 77, … rows
      const take = Math.min(n - from, [1, 77, 256][k % 3])
      windows.add(outputs.subarray(from * units, (from + take) * units), labels.subarray(from, from + take), take)
      from += take
    }
    const w = windows.figures()
    assert.is(w.accuracy.length, 4)
    assert.is(w.lastRows, 100)
    for (let i = 0; i < 4; i++) {
      const size = i < 3 ? 300 : 100
      const held = evaluateTask(task, outputs.subarray(i * 300 * units, (i * 300 + size) * units), labels.subarray(i * 300, i * 300 + size), size)
      assert.ok('accuracy' in held)
      assert.ok(Math.abs((w.accuracy[i] ?? NaN) - (held as { accuracy: number }).accuracy) < 1e-12, `window ${i} accuracy`)
      assert.ok(Math.abs(w.loss[i] - held.loss) < 1e-6, `window ${i} loss ${w.loss[i]} vs ${held.loss}`)
    }
  })
}

test('no rows, no windows; a whole number of rows ≥ 1 per window', () => {
  assert.equal(new PrequentialWindows(binary, 10).figures(), { size: 10, lastRows: 0, accuracy: [], loss: [] })
  assert.throws(() => new PrequentialWindows(binary, 0), /whole number/)
})

test.run()
