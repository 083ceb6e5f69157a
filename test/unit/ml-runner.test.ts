// The worker-backed ModelRunner: predictions, reproducibility, agreement between backends, no
// tensor leaks, closing. (The point of the worker, group membership surviving long training, is
// integration/ml-runner-group.)
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { from as rxFrom, lastValueFrom, toArray } from 'rxjs'
import { ModelRunner } from '../../src/ml/runner.js'
import { trainBatches } from '../../src/ml/train-batches.js'
import { TEST_BACKENDS } from '../support/backends.js'
import { readSusyRows } from '../support/ml.js'

for (const backend of TEST_BACKENDS) test(`predict on ${backend}: one probability per row; the caller keeps its arrays; seeded runs repeat exactly`, async () => {
  const { xs, ys } = readSusyRows()
  const train = { xs: xs.subarray(0, 512 * 18), ys: ys.subarray(0, 512) }
  const runs: Float32Array[] = []
  for (let i = 0; i < 2; i++) {
    const runner = await ModelRunner.create({ backend, seed: 11 })
    try {
      assert.is(runner.params, 68_481, 'the tutorial MLP')
      assert.is(runner.backend, backend)
      const steps = await lastValueFrom(
        rxFrom([{ xs: train.xs.subarray(0, 256 * 18), ys: train.ys.subarray(0, 256), n: 256 }, { xs: train.xs.subarray(256 * 18), ys: train.ys.subarray(256), n: 256 }])
          .pipe(trainBatches(runner), toArray()))
      assert.equal(steps.map(s => [s.step, s.n]), [[1, 256], [2, 256]])
      assert.ok(steps.every(s => s.loss > 0 && s.accuracy >= 0 && s.accuracy <= 1))
      const scores = await runner.predict(train.xs, 512)
      assert.is(scores.length, 512)
      assert.ok(scores.every(p => p > 0 && p < 1))
      assert.is(train.xs.length, 512 * 18, 'input not detached by the transfer')
      runs.push(scores)
    } finally {
      await runner.close()
    }
  }
  assert.ok(runs[0].every((v, i) => v === runs[1][i]), 'same seed, same data: same predictions')
})

test('every backend under test predicts what WASM predicts on the same weights (4,096 rows, one batch)', async () => {
  const { xs } = readSusyRows()
  const rows = xs.subarray(0, 4096 * 18)
  const reference = await ModelRunner.create({ backend: 'wasm', seed: 5, learnScaler: true })
  try {
    await reference.fit(rows, new Float32Array(4096).map((_, i) => i % 2), 4096, { epochs: 1, batchSize: 256 })
    const snapshot = await reference.snapshot()
    const expected = await reference.predict(rows, 4096)
    for (const backend of TEST_BACKENDS) {
      const other = await ModelRunner.create({ backend, snapshot })
      try {
        const got = await other.predict(rows, 4096)
        const worst = got.reduce((m, p, i) => Math.max(m, Math.abs(p - expected[i])), 0)
        assert.ok(worst < 1e-5, `${backend}: largest difference from WASM ${worst}`)
      } finally {
        await other.close()
      }
    }
  } finally {
    await reference.close()
  }
})

for (const backend of TEST_BACKENDS) test(`no tensor leaks in the worker on ${backend}: memory is steady across training, prediction, snapshots and loads`, async () => {
  const { xs, ys } = readSusyRows()
  const runner = await ModelRunner.create({ backend, seed: 2, learnScaler: true })
  try {
    const round = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) await runner.trainBatch(xs.subarray(i * 64 * 18, (i + 1) * 64 * 18), ys.subarray(i * 64, (i + 1) * 64), 64)
      await runner.fit(xs.subarray(0, 256 * 18), ys.subarray(0, 256), 256, { epochs: 2, batchSize: 32 })
      await runner.predict(xs.subarray(0, 1000 * 18), 1000)
      await runner.load(await runner.snapshot())
    }
    await round() // creates the optimizer's slots once
    const before = await runner.memory()
    for (let i = 0; i < 3; i++) await round()
    assert.equal(await runner.memory(), before)
    assert.equal(await runner.predict(new Float32Array(0), 0), new Float32Array(0))
  } finally {
    await runner.close()
  }
})

test('a weight average: the bias-corrected mean of the weights after each step, swapped in and out exactly', async () => {
  const { xs, ys } = readSusyRows()
  const runner = await ModelRunner.create({ backend: 'wasm', seed: 3, model: { inputs: 18, hidden: [8], dropout: [0], learningRate: 0.05 } })
  try {
    const weights = async (): Promise<Float32Array> => {
      const s = await runner.snapshot()
      const bytes = s.weightSpecs.filter(w => w.group !== 'optimizer').reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0)
      return new Float32Array(s.weights.slice(0, bytes).buffer)
    }
    await runner.averageWeights(0.5)
    await runner.trainBatch(xs.subarray(0, 64 * 18), ys.subarray(0, 64), 64)
    const first = await weights()
    await runner.trainBatch(xs.subarray(64 * 18, 128 * 18), ys.subarray(64, 128), 64)
    const second = await weights()
    assert.ok(second.some((w, i) => w !== first[i]), 'the second step moved the weights')
    await runner.swapAverage()
    // Decay 0.5, bias-corrected: weights 0.5 and 1 for the two steps, nothing of the initial weights.
    const average = await weights()
    average.forEach((w, i) => assert.ok(Math.abs(w - (0.5 * first[i] + second[i]) / 1.5) < 1e-6, `weight ${i}: ${w}`))
    await runner.swapAverage()
    assert.equal(await weights(), second, 'swapping back restores the weights as trained')
  } finally {
    await runner.close()
  }
})

test('a closed runner rejects further requests', async () => {
  const runner = await ModelRunner.create({ backend: 'wasm' })
  await runner.close()
  try {
    await runner.predict(new Float32Array(18), 1)
    assert.unreachable('predict after close')
  } catch (error) {
    assert.match((error as Error).message, /closed/)
  }
})

test('computeThreads becomes TensorFlow\'s TF_NUM_INTRAOP_THREADS, unless the environment already has one', async () => {
  const saved = process.env.TF_NUM_INTRAOP_THREADS
  try {
    delete process.env.TF_NUM_INTRAOP_THREADS
    await (await ModelRunner.create({ backend: 'wasm', computeThreads: 3 })).close()
    assert.is(process.env.TF_NUM_INTRAOP_THREADS, '3')
    process.env.TF_NUM_INTRAOP_THREADS = '2'
    await (await ModelRunner.create({ backend: 'wasm', computeThreads: 1 })).close()
    assert.is(process.env.TF_NUM_INTRAOP_THREADS, '2', 'the user\'s setting wins')
  } finally {
    if (saved === undefined) delete process.env.TF_NUM_INTRAOP_THREADS
    else process.env.TF_NUM_INTRAOP_THREADS = saved
  }
})

test.run()
