// A categorical feature learnt as an embedding: the decoder writes its one-hot block after the
// numbers, the model takes it through an input of its own into a learnt matrix, the scaler leaves
// it alone, and a category that decides the label is learnt.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { compileDecoder, isFailure } from '../../src/codec/record-decoder.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { modelForSpec } from '../../src/spec/model.js'
import { inputWidth, type ResolvedSpec } from '../../src/spec/types.js'
import { record } from '../support/consumed-record.js'

const letters = 'abcdefghij'.split('')
const spec: ResolvedSpec = {
  name: 'emb',
  topics: { train: { name: 't', partitions: 1 }, test: { name: 'u', partitions: 1 }, predictions: { name: 'p', partitions: 1 }, deadLetters: { name: 'd', partitions: 1 } },
  format: { type: 'json' },
  label: { field: 'y' },
  features: [
    { name: 'c', type: 'categorical', from: { field: 'c' }, onMissing: 'impute', onUnknown: 'other', vocabulary: letters, encoding: 'embedding', embeddingDim: 4 },
    { name: 'x', type: 'numeric', from: { field: 'x' }, onMissing: 'dead-letter' },
    { name: 'k', type: 'categorical', from: { field: 'k' }, onMissing: 'dead-letter', onUnknown: 'dead-letter', vocabulary: ['p', 'q'] }
  ],
  task: { type: 'binary', classes: ['0', '1'] },
  model: { type: 'mlp', hidden: [16], dropout: [0], learningRate: 0.01 }
}

const row = (c: unknown, x: number, k = 'p', y = 0): ReturnType<typeof record> => record(null, JSON.stringify({ c, x, k, y }))

test('the numbers come first (x, then k one-hot), the embedded category\'s one-hot block last; other or missing: zeros', () => {
  const decoder = compileDecoder(spec)
  assert.is(inputWidth(spec), 13)
  assert.equal(decoder.columns, ['x', 'k=p', 'k=q', ...letters.map(l => `c=${l}`)])
  const out = new Float32Array(13)
  for (const [c, hot] of [['a', 0], ['j', 9], ['zz', -1], [null, -1]] as const) {
    assert.not.ok(isFailure(decoder.decode(row(c, 2.5, 'q'), out, 0)))
    assert.equal(Array.from(out), [2.5, 0, 1, ...letters.map((_, i) => i === hot ? 1 : 0)], `c=${String(c)}`)
  }
})

test('an embedding learns a category that decides the label; the scaler standardises only the numbers', async () => {
  const model = modelForSpec(spec)
  assert.equal(model.embeddings, [{ name: 'c', categories: 10, dim: 4 }])
  assert.is(model.inputs, 3)
  const runner = await ModelRunner.create({ backend: 'wasm', seed: 3, learnScaler: true, model, spec })
  const decoder = compileDecoder(spec)
  const n = 400
  const xs = new Float32Array(n * 13)
  const ys = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const c = letters[i % 10]!
    ys[i] = 'acegi'.includes(c) ? 1 : 0
    const decoded = decoder.decode(row(c, (i * 7919) % 100, i % 3 === 0 ? 'q' : 'p', ys[i]), xs, i * 13)
    assert.not.ok(isFailure(decoded))
  }
  try {
    for (let step = 0; step < 150; step++) await runner.trainBatch(xs, ys, n)
    const p = await runner.predict(xs, n)
    const correct = Array.from(p).filter((s, i) => (s >= 0.5 ? 1 : 0) === ys[i]).length
    assert.ok(correct / n > 0.97, `accuracy ${correct / n}`)
    const snapshot = await runner.snapshot()
    assert.is(snapshot.scaler?.mean.length, 3, 'x and k\'s one-hot columns, not the embedded category\'s')
    const copy = await ModelRunner.create({ backend: 'wasm', snapshot })
    try {
      assert.equal(Array.from(await copy.predict(xs, n)), Array.from(await runner.predict(xs, n)), 'a stored model predicts the same')
      assert.is(copy.shape.inputs, 13)
    } finally { await copy.close() }
  } finally { await runner.close() }
})

test.run()
