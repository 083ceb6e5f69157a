// The worker's fit (src/ml/fit-rows.ts): rows that make one batch are fitted with trainOnBatch per
// epoch instead of tfjs' fit. That is only a shortcut if it learns exactly what fit learns: two
// identical models, one per path, must end with the same weights and per-epoch losses.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadBackend } from '../../src/ml/backend.js'
import { fitRows } from '../../src/ml/fit-rows.js'
import { buildModel, type ModelSpec } from '../../src/ml/model.js'
import { seededRandom } from '../../src/random.js'

const SPEC: ModelSpec = { inputs: 5, hidden: [8], dropout: [0], learningRate: 0.01, task: 'binary' }

test('one batch of rows: trainOnBatch per epoch learns what fit learns', async () => {
  const { tf } = await loadBackend('cpu')
  const random = seededRandom(3)
  const n = 24
  const xs = Float32Array.from({ length: n * 5 }, () => random() * 2 - 1)
  const ys = Float32Array.from({ length: n }, (_, i) => (xs[i * 5] > 0 ? 1 : 0))
  const x = tf.tensor2d(xs, [n, 5])
  const y = tf.tensor2d(ys, [n, 1])
  const fast = buildModel(tf, SPEC)
  const slow = buildModel(tf, SPEC)
  slow.setWeights(fast.getWeights().map(w => w.clone()))
  const quick = await fitRows(fast, x, y, n, { epochs: 5, batchSize: 32, shuffle: true })
  const h = await slow.fit(x, y, { epochs: 5, batchSize: 32, shuffle: true, verbose: 0 })
  assert.is(quick.loss.length, 5)
  quick.loss.forEach((l, e) => assert.ok(Math.abs(l - (h.history.loss[e] as number)) < 1e-5, `epoch ${e}: ${l} vs ${String(h.history.loss[e])}`))
  assert.ok(quick.loss[4] < quick.loss[0], 'it learns')
  const a = fast.getWeights().map(w => Array.from(w.dataSync()))
  const b = slow.getWeights().map(w => Array.from(w.dataSync()))
  a.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) < 1e-5, `weight ${i}[${j}]: ${v} vs ${b[i][j]}`)))
  // More rows than a batch: fit's own mini-batches.
  const more = await fitRows(fast, x, y, n, { epochs: 2, batchSize: 8, shuffle: true })
  assert.is(more.loss.length, 2)
})

test.run()
