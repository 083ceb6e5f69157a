// The twin inside the model worker (src/ml/worker.ts with jsMaxWeights): a runner whose small model
// learns in plain JavaScript must answer every request as a runner learning in tfjs does, seeded
// alike: fits (at a fit's own rate), train's steps and weight average, predictions, and what a
// snapshot holds, so a version saved by one loads and learns on in the other. A new optimizer
// hands the state over too.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ModelRunner } from '../../src/ml/runner.js'
import type { ModelSpec } from '../../src/ml/model.js'
import { seededRandom } from '../../src/random.js'

const INPUTS = 6
const SPEC: ModelSpec = { inputs: INPUTS, hidden: [16], dropout: [0], learningRate: 0.01, task: 'binary', l2: 0.001 }
const random = seededRandom(5)
const XS = Float32Array.from({ length: 64 * INPUTS }, () => random() * 2 - 1)
const YS = Float32Array.from({ length: 64 }, (_, i) => (XS[i * INPUTS] + XS[i * INPUTS + 1] > 0 ? 1 : 0))

/** n rows from row `at`: the worker takes exactly the rows it is given. */
const xs = (n: number, at = 0): Float32Array => XS.subarray(at * INPUTS, (at + n) * INPUTS)
const ys = (n: number, at = 0): Float32Array => YS.subarray(at, at + n)

function close (a: Float32Array, b: Float32Array, what: string): void {
  assert.is(a.length, b.length)
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4, `${what} row ${i}: ${v} vs ${b[i]}`))
}

test('a runner learning in its JavaScript twin answers as a tfjs runner does, and their snapshots are interchangeable', async () => {
  const js = await ModelRunner.create({ backend: 'cpu', seed: 7, model: SPEC, jsMaxWeights: 20_000 })
  const tf = await ModelRunner.create({ backend: 'cpu', seed: 7, model: SPEC })
  let loaded: ModelRunner | undefined
  try {
    assert.equal([js.compute, tf.compute], ['js', 'cpu'])
    const both = async (f: (r: ModelRunner) => Promise<unknown>): Promise<void> => { await f(js); await f(tf) }
    await both(r => r.fit(xs(4), ys(4), 4, { epochs: 3, batchSize: 32, rateFactor: 2 }))
    await both(r => r.fit(xs(16, 4), ys(16, 4), 16, { epochs: 2, batchSize: 32 }))
    // More rows than a batch: both shuffle with the worker's seeded Math.random.
    await both(r => r.fit(xs(64), ys(64), 64, { epochs: 2, batchSize: 16 }))
    close(await js.predict(XS, 64), await tf.predict(XS, 64), 'after fits')

    // The twin's state, written into a snapshot, learns on in tfjs as the twin does.
    const snapshot = await js.snapshot()
    loaded = await ModelRunner.create({ backend: 'cpu', seed: 7, snapshot })
    assert.is(loaded.compute, 'cpu')
    close(await loaded.predict(XS, 64), await js.predict(XS, 64), 'loaded')
    await loaded.fit(xs(16), ys(16), 16, { epochs: 3, batchSize: 32 })
    await both(r => r.fit(xs(16), ys(16), 16, { epochs: 3, batchSize: 32 }))
    close(await loaded.predict(XS, 64), await js.predict(XS, 64), 'tfjs from the twin\'s snapshot, then three more steps')
    // Writing the twin back again (its first write created Adam's moments in tfjs) leaves nothing behind.
    const count = (await js.memory()).numTensors
    await both(r => r.fit(xs(8), ys(8), 8, { epochs: 1, batchSize: 32 }))
    const later = await js.snapshot()
    assert.is((await js.memory()).numTensors, count, 'writing the twin back again left tensors behind')
    assert.ok(later.weights.some((v, i) => v !== snapshot.weights[i]), 'the second snapshot holds the later weights')

    // A new optimizer forgets the moments in both; the twin carries on from the weights written back.
    await both(r => r.resetOptimizer(0.005))
    await both(r => r.fit(xs(16), ys(16), 16, { epochs: 2, batchSize: 32 }))
    await both(r => r.trainBatch(xs(16), ys(16), 16))
    await both(r => r.fit(xs(16), ys(16), 16, { epochs: 1, batchSize: 32 }))
    close(await js.predict(XS, 64), await tf.predict(XS, 64), 'after a new optimizer and a step')
  } finally {
    await js.close()
    await tf.close()
    await loaded?.close()
  }
})

test('train\'s steps through the twin: trainBatch\'s loss and accuracy, and the weight average, as tfjs keeps them', async () => {
  const js = await ModelRunner.create({ backend: 'cpu', seed: 11, model: SPEC, learnScaler: true, jsMaxWeights: 20_000 })
  const tf = await ModelRunner.create({ backend: 'cpu', seed: 11, model: SPEC, learnScaler: true })
  let loaded: ModelRunner | undefined
  try {
    await js.averageWeights(0.9)
    await tf.averageWeights(0.9)
    for (let step = 0; step < 6; step++) {
      const [a, b] = [await js.trainBatch(xs(16, step * 8), ys(16, step * 8), 16), await tf.trainBatch(xs(16, step * 8), ys(16, step * 8), 16)]
      assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `step ${step}: loss ${a.loss} vs ${b.loss}`)
      assert.is(a.accuracy, b.accuracy, `step ${step}: accuracy`)
    }
    await js.freezeScaler()
    await tf.freezeScaler()
    close(await js.predict(XS, 64), await tf.predict(XS, 64), 'the trained weights')
    await js.swapAverage()
    await tf.swapAverage()
    const averaged = await js.predict(XS, 64)
    close(averaged, await tf.predict(XS, 64), 'the average swapped in')
    // A snapshot with the average swapped in holds the average (as train saves it).
    loaded = await ModelRunner.create({ backend: 'cpu', snapshot: await js.snapshot() })
    close(await loaded.predict(XS, 64), averaged, 'the saved average')
    await js.swapAverage()
    await tf.swapAverage()
    close(await js.predict(XS, 64), await tf.predict(XS, 64), 'swapped back')
  } finally {
    await js.close()
    await tf.close()
    await loaded?.close()
  }
})

// Multiclass labels are class indexes; a regression model learns standardised labels (its target
// scaler, learnt from the rows it fits) and predicts in the label's units: both paths share that.
const TASKS: Array<{ name: string, spec: ModelSpec, label: (i: number) => number }> = [
  { name: 'multiclass', spec: { ...SPEC, task: 'multiclass', outputs: 3 }, label: i => (XS[i * INPUTS] > 0.3 ? 2 : XS[i * INPUTS] > -0.3 ? 1 : 0) },
  { name: 'regression, scaled features and labels', spec: { ...SPEC, task: 'regression', hidden: [8, 4], dropout: [0, 0] }, label: i => 50 + 20 * XS[i * INPUTS] - 5 * XS[i * INPUTS + 2] }
]

for (const { name, spec, label } of TASKS) {
  test(`the twin in the worker (${name}): the same predictions as tfjs`, async () => {
    const labels = Float32Array.from({ length: 64 }, (_, i) => label(i))
    const js = await ModelRunner.create({ backend: 'cpu', seed: 3, model: spec, learnScaler: true, jsMaxWeights: 20_000 })
    const tf = await ModelRunner.create({ backend: 'cpu', seed: 3, model: spec, learnScaler: true })
    try {
      assert.is(js.compute, 'js')
      for (const r of [js, tf]) {
        await r.fit(xs(16), labels.subarray(0, 16), 16, { epochs: 3, batchSize: 32 })
        await r.fit(xs(48, 16), labels.subarray(16), 48, { epochs: 2, batchSize: 16 })
      }
      const [a, b] = [await js.predict(XS, 64), await tf.predict(XS, 64)]
      if (spec.task === 'regression') assert.ok(a.reduce((s, v) => s + v, 0) / 64 > 10, 'predictions in the label\'s units')
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-3 * Math.max(1, Math.abs(b[i])), `row ${i}: ${v} vs ${b[i]}`))
    } finally {
      await js.close()
      await tf.close()
    }
  })
}

test('a model the twin cannot learn stays in tfjs: above jsMaxWeights, or by default', async () => {
  const big = await ModelRunner.create({ backend: 'cpu', seed: 1, model: SPEC, jsMaxWeights: 100 })
  const plain = await ModelRunner.create({ backend: 'cpu', seed: 1, model: SPEC })
  try {
    assert.equal([big.compute, plain.compute], ['cpu', 'cpu'])
  } finally {
    await big.close()
    await plain.close()
  }
})

test.run()
