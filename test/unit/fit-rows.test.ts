// The worker's fit (src/ml/fit-rows.ts): rows that make one batch are fitted with one direct
// optimizer step per epoch instead of tfjs' fit. That is only a shortcut if it learns exactly what
// fit learns: two identical models, one per path, must end with the same weights and per-epoch
// losses (also for more rows than a batch, batch by batch, in fit's shuffled order), for each task's loss and with an L2 penalty (which fit adds to the loss it minimises),
// must train with dropout on, and must leave no tensor behind.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadBackend } from '../../src/ml/backend.js'
import { fitRows } from '../../src/ml/fit-rows.js'
import { buildModel, type ModelSpec } from '../../src/ml/model.js'
import { seededRandom } from '../../src/random.js'

const INPUTS = 5
const N = 24

const CASES: Array<{ name: string, spec: ModelSpec, label: (x: Float32Array, i: number) => number }> = [
  { name: 'binary', spec: { inputs: INPUTS, hidden: [8], dropout: [0], learningRate: 0.01, task: 'binary' }, label: (x, i) => (x[i * INPUTS] > 0 ? 1 : 0) },
  { name: 'multiclass, L2 penalty', spec: { inputs: INPUTS, hidden: [8], dropout: [0], learningRate: 0.01, task: 'multiclass', outputs: 3, l2: 0.01 }, label: (x, i) => (x[i * INPUTS] > 0.3 ? 2 : x[i * INPUTS] > -0.3 ? 1 : 0) },
  { name: 'regression', spec: { inputs: INPUTS, hidden: [8, 4], dropout: [0, 0], learningRate: 0.01, task: 'regression' }, label: (x, i) => x[i * INPUTS] * 2 + x[i * INPUTS + 1] }
]

for (const { name, spec, label } of CASES) {
  test(`one batch of rows (${name}): a direct step per epoch learns what fit learns`, async () => {
    const { tf } = await loadBackend('cpu')
    const random = seededRandom(3)
    const xs = Float32Array.from({ length: N * INPUTS }, () => random() * 2 - 1)
    const labels = Array.from({ length: N }, (_, i) => label(xs, i))
    const x = tf.tensor2d(xs, [N, INPUTS])
    const y = spec.task === 'multiclass' ? tf.oneHot(tf.tensor1d(labels, 'int32'), spec.outputs ?? 1).toFloat() : tf.tensor2d(labels, [N, 1])
    const fast = buildModel(tf, spec)
    const slow = buildModel(tf, spec)
    slow.setWeights(fast.getWeights().map(w => w.clone()))
    // A first epoch each creates the optimizers' moments (tensors kept on purpose), then the count.
    await fitRows(tf, fast, x, y, N, { epochs: 1, batchSize: 32 })
    await slow.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 })
    const tensors = tf.memory().numTensors
    const quick = await fitRows(tf, fast, x, y, N, { epochs: 5, batchSize: 32, shuffle: true })
    assert.is(tf.memory().numTensors, tensors, 'the direct steps left tensors behind')
    const h = await slow.fit(x, y, { epochs: 5, batchSize: 32, shuffle: true, verbose: 0 })
    assert.is(quick.loss.length, 5)
    quick.loss.forEach((l, e) => assert.ok(Math.abs(l - (h.history.loss[e] as number)) < 1e-5, `epoch ${e}: ${l} vs ${String(h.history.loss[e])}`))
    assert.ok(quick.loss[4] < quick.loss[0], 'it learns')
    const a = fast.getWeights().map(w => Array.from(w.dataSync()))
    const b = slow.getWeights().map(w => Array.from(w.dataSync()))
    a.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) < 1e-5, `weight ${i}[${j}]: ${v} vs ${b[i][j]}`)))
    // More rows than a batch (a refit's window): the direct steps batch by batch, in fit's order
    // (Math.random seeded alike for both: fit shuffles with it).
    const random0 = Math.random
    try {
      Math.random = seededRandom(9)
      const batched = await fitRows(tf, fast, x, y, N, { epochs: 3, batchSize: 8, shuffle: true })
      assert.is(tf.memory().numTensors, tensors, 'the batched steps left tensors behind')
      Math.random = seededRandom(9)
      const fitted = await slow.fit(x, y, { epochs: 3, batchSize: 8, shuffle: true, verbose: 0 })
      batched.loss.forEach((l, e) => assert.ok(Math.abs(l - (fitted.history.loss[e] as number)) < 1e-5, `batched, epoch ${e}: ${l} vs ${String(fitted.history.loss[e])}`))
      const c = fast.getWeights().map(w => Array.from(w.dataSync()))
      const d = slow.getWeights().map(w => Array.from(w.dataSync()))
      c.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - d[i][j]) < 1e-5, `batched, weight ${i}[${j}]: ${v} vs ${d[i][j]}`)))
    } finally {
      Math.random = random0
    }
    tf.dispose([x, y])
    fast.dispose()
    slow.dispose()
  })
}

test('the direct step trains in training mode: dropout draws a new mask each epoch (weights held still)', async () => {
  const { tf } = await loadBackend('cpu')
  const random = seededRandom(5)
  const xs = Float32Array.from({ length: N * INPUTS }, () => random() * 2 - 1)
  const x = tf.tensor2d(xs, [N, INPUTS])
  const y = tf.tensor2d(Array.from({ length: N }, (_, i) => (xs[i * INPUTS] > 0 ? 1 : 0)), [N, 1])
  const losses = async (dropout: number): Promise<number[]> => {
    const m = buildModel(tf, { inputs: INPUTS, hidden: [16], dropout: [dropout], learningRate: 0.01, task: 'binary' });
    (m.optimizer as unknown as { learningRate: number }).learningRate = 0
    const { loss } = await fitRows(tf, m, x, y, N, { epochs: 4, batchSize: 32 })
    m.dispose()
    return loss
  }
  const still = await losses(0)
  assert.ok(still.every(l => l === still[0]), `without dropout, the same loss each epoch: ${still.join(', ')}`)
  const dropped = await losses(0.5)
  assert.ok(new Set(dropped).size > 1, `with dropout, the loss changes with the mask: ${dropped.join(', ')}`)
  tf.dispose([x, y])
})

test.run()
