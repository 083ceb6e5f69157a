// Test-then-train in steps (src/online/test-then-train.ts) on a real model in a worker: each step is
// scored by the model as it was after learning the steps before it, and before learning itself;
// the drift watch sees each step's scores before its fit. A twin model (same seed, same rows)
// replays the order by hand and must score every row exactly alike. And --warmup's parsing.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../src/errors.js'
import type { ModelSpec } from '../../src/ml/model.js'
import { ModelRunner } from '../../src/ml/runner.js'
import type { ArrayBatch } from '../../src/operators/to-arrays.js'
import { testThenTrain } from '../../src/online/test-then-train.js'
import { formatWarmup, parseWarmup } from '../../src/online/warmup.js'
import { seededRandom } from '../../src/random.js'

const FEATURES = 18
const N = 48
const MODEL: ModelSpec = { inputs: FEATURES, hidden: [8], dropout: [0], learningRate: 0.01, task: 'binary' }

function batch (): ArrayBatch {
  const random = seededRandom(7)
  const xs = Float32Array.from({ length: N * FEATURES }, () => random() * 2 - 1)
  const ys = Float32Array.from({ length: N }, (_, i) => (xs[i * FEATURES] + xs[i * FEATURES + 1] > 0 ? 1 : 0))
  const examples = Array.from({ length: N }, (_, i) => ({ record: { partition: 0, offset: BigInt(i) } })) as unknown as ArrayBatch['examples']
  return { xs, ys, n: N, features: FEATURES, examples }
}

const model = (): Promise<ModelRunner> => ModelRunner.create({ backend: 'wasm', seed: 11, model: MODEL, learnScaler: true })
const FIT = { epochs: 2, batchSize: 8, shuffle: true }

test('in steps: every step is scored after the steps before it were learnt, before its own fit', async () => {
  const rows = batch()
  const [stepped, twin] = await Promise.all([model(), model()])
  try {
    const seen: Array<{ from: number, rows: number, outputs: number[] }> = []
    const { outputs } = await testThenTrain(stepped, rows, { step: 16, batchSize: FIT.batchSize, epochs: () => FIT.epochs }, async (p, y, m, examples, from) => {
      assert.is(y.length, m)
      assert.is(examples[0].record.offset, BigInt(from), 'the step\'s own records')
      seen.push({ from, rows: m, outputs: Array.from(p) })
    })
    assert.equal(seen.map(s => [s.from, s.rows]), [[0, 16], [16, 16], [32, 16]])
    assert.equal(seen.flatMap(s => s.outputs), Array.from(outputs), 'the watch saw the scores returned')

    // The twin, by hand: score a step, fit it, score the next.
    const expected: number[] = []
    for (let from = 0; from < N; from += 16) {
      const x = rows.xs.subarray(from * FEATURES, (from + 16) * FEATURES)
      expected.push(...await twin.predict(x, 16))
      await twin.fit(x, rows.ys.subarray(from, from + 16), 16, FIT)
    }
    assert.equal(Array.from(outputs), expected)
    // Scores of a later step differ from what the untouched model gives them: it learnt in between.
    const fresh = await model()
    try {
      const untrained = Array.from(await fresh.predict(rows.xs.subarray(32 * FEATURES), 16))
      assert.not.equal(Array.from(outputs.subarray(32)), untrained)
    } finally { await fresh.close() }
  } finally { await Promise.all([stepped.close(), twin.close()]) }
})

test('step 0 scores the whole mini-batch with the model as it came, then fits once', async () => {
  const rows = batch()
  const [whole, twin] = await Promise.all([model(), model()])
  try {
    const froms: number[] = []
    const { outputs, trainLoss } = await testThenTrain(whole, rows, { step: 0, batchSize: 8, epochs: () => 2 }, async (_p, _y, _m, _e, from) => { froms.push(from) })
    assert.equal(froms, [0])
    assert.equal(Array.from(outputs), Array.from(await twin.predict(rows.xs, N)))
    assert.ok(Number.isFinite(trainLoss))
  } finally { await Promise.all([whole.close(), twin.close()]) }
})

test('--warmup: ROWS,EPOCHS or 0, anything else a usage error', () => {
  assert.equal(parseWarmup('1000,6'), { rows: 1000, epochs: 6 })
  assert.equal(parseWarmup(' 0 '), { rows: 0, epochs: 1 })
  assert.is(formatWarmup(parseWarmup('500,4')), '500,4')
  assert.is(formatWarmup(parseWarmup('0')), '0')
  for (const bad of ['1000', '1000,0', '-1,6', '1000,6,3', 'a,b', '10.5,2']) {
    assert.throws(() => parseWarmup(bad), (e: unknown) => e instanceof UsageError && /--warmup/.test((e as Error).message), bad)
  }
})

test.run()
