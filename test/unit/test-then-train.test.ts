// Test-then-train in steps (src/online/test-then-train.ts) on a real model in a worker: each step is
// scored by the model as it was after learning the steps before it, and before learning itself;
// the drift watch sees each step's scores before its fit. A twin model (same seed, same rows)
// replays the order by hand and must score every row exactly alike; so must one that replays a
// drift's refit (each step fitted with more rows). A new model's fast start
// (smaller steps, each fit at a raised rate that the optimizer does not keep), and the parsing of
// --warmup and --fast-start.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../src/errors.js'
import type { ModelSpec } from '../../src/ml/model.js'
import { ModelRunner } from '../../src/ml/runner.js'
import type { ArrayBatch } from '../../src/operators/to-arrays.js'
import { testThenTrain } from '../../src/online/test-then-train.js'
import { formatWarmup, parseWarmup } from '../../src/online/warmup.js'
import { formatFastStart, parseFastStart, startRateFactor, startStep } from '../../src/online/fast-start.js'
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
    const { outputs } = await testThenTrain(stepped, rows, { step: () => 16, batchSize: FIT.batchSize, epochs: () => FIT.epochs }, async (p, y, m, examples, from) => {
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
    const { outputs, trainLoss } = await testThenTrain(whole, rows, { step: () => 0, batchSize: 8, epochs: () => 2 }, async (_p, _y, _m, _e, from) => { froms.push(from) })
    assert.equal(froms, [0])
    assert.equal(Array.from(outputs), Array.from(await twin.predict(rows.xs, N)))
    assert.ok(Number.isFinite(trainLoss))
  } finally { await Promise.all([whole.close(), twin.close()]) }
})

test('a refit: each step is fitted with the rows the drift action adds (all rows so far here); a twin fitting them by hand scores alike', async () => {
  const rows = batch()
  const [refit, twin, plain] = await Promise.all([model(), model(), model()])
  try {
    const fitted: number[] = []
    const sofar = (x: Float32Array, y: Float32Array, m: number, features: number): { x: Float32Array, y: Float32Array, m: number } => {
      const end = x.byteOffset / 4 / features + m // the step's rows are views into the batch
      fitted.push(end)
      return { x: rows.xs.subarray(0, end * features), y: rows.ys.subarray(0, end), m: end }
    }
    const { outputs } = await testThenTrain(refit, rows, { step: () => 16, batchSize: FIT.batchSize, epochs: () => FIT.epochs, fitRows: sofar }, async () => {})
    assert.equal(fitted, [16, 32, 48])
    const expected: number[] = []
    for (let from = 0; from < N; from += 16) {
      expected.push(...await twin.predict(rows.xs.subarray(from * FEATURES, (from + 16) * FEATURES), 16))
      await twin.fit(rows.xs.subarray(0, (from + 16) * FEATURES), rows.ys.subarray(0, from + 16), from + 16, FIT)
    }
    assert.equal(Array.from(outputs), expected)
    const alone = await testThenTrain(plain, rows, { step: () => 16, batchSize: FIT.batchSize, epochs: () => FIT.epochs }, async () => {})
    assert.not.equal(Array.from(alone.outputs.subarray(32)), Array.from(outputs.subarray(32)), 'fitting the steps alone scores the last step differently')
  } finally { await Promise.all([refit.close(), twin.close(), plain.close()]) }
})

test('fast start: steps of 4 at 2x the rate over the lineage\'s first 20 rows, then the run\'s 16 at its rate; the optimizer keeps its rate', async () => {
  const rows = batch()
  const fast = { rows: 20, step: 4, rateFactor: 2 }
  const lineageRows = 2 // rows learnt before this mini-batch: the fast start ends 18 rows into it
  const [started, twin] = await Promise.all([model(), model()])
  try {
    const rate = await started.learningRate()
    const seen: number[][] = []
    const { outputs } = await testThenTrain(started, rows, {
      step: from => startStep(16, lineageRows + from, fast),
      rateFactor: from => startRateFactor(lineageRows + from, fast),
      batchSize: FIT.batchSize,
      epochs: () => FIT.epochs
    }, async (_p, _y, m, _e, from) => { seen.push([from, m]) })
    // Four steps of 4, one of 2 up to the fast start's end (row 20 of the lineage), then 16s.
    assert.equal(seen, [[0, 4], [4, 4], [8, 4], [12, 4], [16, 2], [18, 16], [34, 14]])
    assert.is(await started.learningRate(), rate, 'a raised fit leaves the optimizer at the run\'s rate (what a version saves)')

    // The twin, by hand, sets the raised rate itself around each fast-start fit: the same scores.
    const expected: number[] = []
    for (const [from, m] of seen) {
      const x = rows.xs.subarray(from * FEATURES, (from + m) * FEATURES)
      expected.push(...await twin.predict(x, m))
      await twin.setLearningRate(lineageRows + from < fast.rows ? rate * fast.rateFactor : rate)
      await twin.fit(x, rows.ys.subarray(from, from + m), m, FIT)
    }
    assert.equal(Array.from(outputs), expected)
    // ... and a run at the plain rate in the same steps scores differently: the factor was applied.
    const plain = await model()
    try {
      const { outputs: slow } = await testThenTrain(plain, rows, { step: from => startStep(16, lineageRows + from, fast), batchSize: FIT.batchSize, epochs: () => FIT.epochs }, async () => {})
      assert.equal(Array.from(slow.subarray(0, 4)), Array.from(outputs.subarray(0, 4)), 'the first step is scored before any fit')
      assert.not.equal(Array.from(slow.subarray(4)), Array.from(outputs.subarray(4)))
    } finally { await plain.close() }
  } finally { await Promise.all([started.close(), twin.close()]) }
})

test('--fast-start: ROWS,STEP,FACTOR, 0 or auto; anything else a usage error; a lineage past its rows runs as usual', () => {
  assert.equal(parseFastStart('300,4,2'), { rows: 300, step: 4, rateFactor: 2 })
  assert.equal(parseFastStart(' 200, 8, 1.5 '), { rows: 200, step: 8, rateFactor: 1.5 })
  assert.is(parseFastStart('auto'), 'auto')
  assert.is(formatFastStart(parseFastStart('0')), '0')
  assert.is(formatFastStart(parseFastStart('300,4,2')), '300,4,2')
  for (const bad of ['300', '300,4', '300,0,2', '300,4,0', '-1,4,2', '300,4.5,2', 'fast', '300,4,2,1']) {
    assert.throws(() => parseFastStart(bad), (e: unknown) => e instanceof UsageError && /--fast-start/.test((e as Error).message), bad)
  }
  const fast = { rows: 300, step: 4, rateFactor: 2 }
  assert.is(startStep(16, 0, fast), 4)
  assert.is(startStep(16, 298, fast), 2, 'the last fast step ends at the fast start\'s end')
  assert.is(startStep(16, 300, fast), 16)
  assert.is(startStep(16, 0, parseFastStart('0') as typeof fast), 16, '0 is no fast start')
  assert.is(startStep(16, 0), 16)
  assert.is(startRateFactor(299, fast), 2)
  assert.is(startRateFactor(300, fast), 1)
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
