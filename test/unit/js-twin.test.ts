// The plain-JavaScript twin of a small model (src/ml/dense-net.ts, src/ml/js-twin.ts) is only a
// shortcut if it learns exactly what tfjs learns: two identical models, one stepped by the twin,
// one by tfjs (fit-rows, itself tested equal to fit), must keep the same weights, losses and
// predictions for each task's loss, with an L2 penalty, for one batch and batch by batch in fit's
// shuffled order. Written back, the twin's Adam state must carry on in tfjs as tfjs' own would,
// and a twin read from a model with moments must carry them on. Dropout is checked at its limits.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { LayersModel } from '@tensorflow/tfjs'
import { loadBackend, type TF } from '../../src/ml/backend.js'
import { fitRows } from '../../src/ml/fit-rows.js'
import { densePlan, JsTwin } from '../../src/ml/js-twin.js'
import { buildModel, type ModelSpec } from '../../src/ml/model.js'
import { seededRandom } from '../../src/random.js'

const INPUTS = 5
const N = 24
const TOLERANCE = 2e-5

const CASES: Array<{ name: string, spec: ModelSpec, label: (x: Float32Array, i: number) => number }> = [
  { name: 'binary', spec: { inputs: INPUTS, hidden: [8], dropout: [0], learningRate: 0.01, task: 'binary' }, label: (x, i) => (x[i * INPUTS] > 0 ? 1 : 0) },
  { name: 'multiclass, L2 penalty', spec: { inputs: INPUTS, hidden: [8], dropout: [0], learningRate: 0.01, task: 'multiclass', outputs: 3, l2: 0.01 }, label: (x, i) => (x[i * INPUTS] > 0.3 ? 2 : x[i * INPUTS] > -0.3 ? 1 : 0) },
  { name: 'regression, two hidden layers', spec: { inputs: INPUTS, hidden: [8, 4], dropout: [0, 0], learningRate: 0.01, task: 'regression' }, label: (x, i) => x[i * INPUTS] * 2 + x[i * INPUTS + 1] }
]

function rows (spec: ModelSpec, label: (x: Float32Array, i: number) => number): { xs: Float32Array, ys: Float32Array } {
  const random = seededRandom(3)
  const xs = Float32Array.from({ length: N * INPUTS }, () => random() * 2 - 1)
  return { xs, ys: Float32Array.from({ length: N }, (_, i) => label(xs, i)) }
}

function tensors (tf: TF, spec: ModelSpec, xs: Float32Array, ys: Float32Array, n: number) {
  const x = tf.tensor2d(xs.subarray(0, n * INPUTS), [n, INPUTS])
  const y = spec.task === 'multiclass' ? tf.oneHot(tf.tensor1d(ys.subarray(0, n), 'int32'), spec.outputs ?? 1).toFloat() : tf.tensor2d(ys.subarray(0, n), [n, 1])
  return { x, y }
}

function assertClose (a: ArrayLike<number>[], b: ArrayLike<number>[], what: string): void {
  assert.is(a.length, b.length, `${what}: arrays`)
  a.forEach((w, i) => Array.from(w).forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) < TOLERANCE, `${what} ${i}[${j}]: ${v} vs ${b[i][j]}`)))
}

const weightsOf = (m: LayersModel): Float32Array[] => m.getWeights().map(w => w.dataSync() as Float32Array)
async function adamOf (m: LayersModel): Promise<Float32Array[]> {
  return (await m.optimizer.getWeights()).map(w => Float32Array.from(w.tensor.dataSync()))
}

for (const { name, spec, label } of CASES) {
  test(`the twin learns what tfjs learns (${name}), and its Adam state carries on in tfjs`, async () => {
    const { tf } = await loadBackend('cpu')
    const { xs, ys } = rows(spec, label)
    const js = buildModel(tf, spec)
    const ref = buildModel(tf, spec)
    ref.setWeights(js.getWeights().map(w => w.clone()))
    const twin = new JsTwin(tf, 20_000)
    twin.adopt(js)
    assert.ok(twin.active, 'a small Dense model qualifies')
    const net = (await twin.of(js))!
    // Steps of 4, 16 and 24 rows, 3 epochs each (each a step on all the rows), then more rows than a batch.
    for (const n of [4, 16, N]) {
      const { x, y } = tensors(tf, spec, xs, ys, n)
      const a = net.fit(xs, ys, n, { epochs: 3, batchSize: 32, learningRate: 0.01 }, Math.random, o => tf.util.shuffle(o))
      const b = await fitRows(tf, ref, x, y, n, { epochs: 3, batchSize: 32 })
      a.loss.forEach((l, e) => assert.ok(Math.abs(l - b.loss[e]) < TOLERANCE, `${n} rows, epoch ${e}: loss ${l} vs ${b.loss[e]}`))
      assertClose(net.params, weightsOf(ref), `after ${n} rows, weight`)
      tf.dispose([x, y])
    }
    const random0 = Math.random
    try {
      const { x, y } = tensors(tf, spec, xs, ys, N)
      Math.random = seededRandom(9)
      const a = net.fit(xs, ys, N, { epochs: 2, batchSize: 8, learningRate: 0.01 }, Math.random, o => tf.util.shuffle(o))
      Math.random = seededRandom(9)
      const b = await fitRows(tf, ref, x, y, N, { epochs: 2, batchSize: 8, shuffle: true })
      a.loss.forEach((l, e) => assert.ok(Math.abs(l - b.loss[e]) < TOLERANCE, `batched, epoch ${e}: loss ${l} vs ${b.loss[e]}`))
      assertClose(net.params, weightsOf(ref), 'batched, weight')
      tf.dispose([x, y])
    } finally {
      Math.random = random0
    }
    const p = net.predict(xs, N)
    const q = ref.predict(tf.tensor2d(xs, [N, INPUTS])) as import('@tensorflow/tfjs').Tensor
    assertClose([p], [q.dataSync()], 'prediction')
    q.dispose()

    // Written back: the tfjs model holds the twin's weights and Adam's step count and moments
    // (a first write creates the moments; writing again must leave no tensor behind).
    await twin.flush(js, false)
    const count = tf.memory().numTensors
    await twin.flush(js, true)
    assert.is(tf.memory().numTensors, count, 'writing back left tensors behind')
    assertClose(weightsOf(js), weightsOf(ref), 'written back, weight')
    assertClose(await adamOf(js), await adamOf(ref), 'written back, Adam state')
    // tfjs carries on from there exactly as the reference does...
    const { x, y } = tensors(tf, spec, xs, ys, 16)
    await fitRows(tf, js, x, y, 16, { epochs: 2, batchSize: 32 })
    await fitRows(tf, ref, x, y, 16, { epochs: 2, batchSize: 32 })
    assertClose(weightsOf(js), weightsOf(ref), 'tfjs after the twin, weight')
    // ...and a twin read again from a model with moments carries them on.
    const again = (await twin.of(js))!
    again.fit(xs, ys, 16, { epochs: 2, batchSize: 32, learningRate: 0.01 }, Math.random, o => tf.util.shuffle(o))
    await fitRows(tf, ref, x, y, 16, { epochs: 2, batchSize: 32 })
    assertClose(again.params, weightsOf(ref), 'the twin after tfjs, weight')
    tf.dispose([x, y])
  })
}

test('dropout: all dropped, only the output bias learns; all kept, the kept values are scaled by 1 / (1 - rate)', async () => {
  const { tf } = await loadBackend('cpu')
  const spec: ModelSpec = { inputs: INPUTS, hidden: [8], dropout: [0.5], learningRate: 0.01 }
  const { xs, ys } = rows(spec, (x, i) => (x[i * INPUTS] > 0 ? 1 : 0))
  const model = buildModel(tf, spec)
  const start = weightsOf(model).map(w => Float32Array.from(w))
  const twin = new JsTwin(tf, 20_000)
  twin.adopt(model)
  const net = (await twin.of(model))!
  assert.is(net.layers[0].dropout, 0.5)
  net.step(xs, ys, [0, 1, 2, 3], 0.01, () => 0.1)
  net.params.forEach((w, i) => {
    const moved = w.some((v, j) => v !== start[i][j])
    assert.is(moved, i === 3, `parameter ${i} ${moved ? 'moved' : 'did not move'}`)
  })
  // All kept: the hidden layer's output doubled, as a model without dropout whose next kernel is doubled sees it.
  const fresh = buildModel(tf, spec)
  fresh.setWeights(start.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)))
  const kept = new JsTwin(tf, 20_000)
  kept.adopt(fresh)
  const keptNet = (await kept.of(fresh))!
  const loss = keptNet.step(xs, ys, [0, 1, 2, 3], 0.01, () => 0.9).loss
  const plain = buildModel(tf, { ...spec, dropout: [0] })
  plain.setWeights(start.map((w, i) => tf.tensor(i === 2 ? w.map(v => v * 2) : w, model.getWeights()[i].shape)))
  const plainTwin = new JsTwin(tf, 20_000)
  plainTwin.adopt(plain)
  const plainLoss = (await plainTwin.of(plain))!.step(xs, ys, [0, 1, 2, 3], 0.01, () => 0.9).loss
  assert.ok(Math.abs(loss - plainLoss) < 1e-6, `${loss} vs ${plainLoss}`)
})

test('only small models of Dense and Dropout layers compiled with Adam qualify', async () => {
  const { tf } = await loadBackend('cpu')
  const small: ModelSpec = { inputs: INPUTS, hidden: [8], dropout: [0.2], learningRate: 0.01 }
  assert.ok('layers' in densePlan(buildModel(tf, small), 20_000))
  assert.match(String((densePlan(buildModel(tf, small), 50) as { reason: string }).reason), /weights/)
  const embedded = buildModel(tf, { ...small, embeddings: [{ name: 'colour', categories: 4, dim: 2 }] })
  assert.ok('reason' in densePlan(embedded, 20_000), 'a model with an embedding input is left to tfjs')
  const sgd = buildModel(tf, small)
  sgd.compile({ optimizer: tf.train.sgd(0.1), loss: 'binaryCrossentropy' })
  assert.match(String((densePlan(sgd, 20_000) as { reason: string }).reason), /Adam/)
  // The twin's squared error reads one label per row: a two-output regression stays in tfjs.
  const wide = tf.sequential({ layers: [tf.layers.dense({ units: 4, activation: 'relu', inputShape: [INPUTS] }), tf.layers.dense({ units: 2 })] })
  wide.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' })
  assert.match(String((densePlan(wide, 20_000) as { reason: string }).reason), /more than one output/)
})

test.run()
