// Priming a worker (src/ml/prime.ts): steps on a twin of the model before a stream starts must
// leave the model, its optimizer and the worker's seeded random numbers as they were (a primed
// run learns exactly what an unprimed one does), and leave no tensor behind.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { ModelSpec } from '../../src/ml/model.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { seededRandom } from '../../src/random.js'

const FEATURES = 9
const N = 16
const cases: Array<{ name: string, spec: ModelSpec }> = [
  { name: 'binary, dropout', spec: { inputs: FEATURES, hidden: [32], dropout: [0.2], learningRate: 0.003, task: 'binary' } },
  { name: 'multiclass', spec: { inputs: FEATURES, hidden: [8], dropout: [0], learningRate: 0.003, task: 'multiclass', outputs: 3 } },
  { name: 'regression', spec: { inputs: FEATURES, hidden: [8], dropout: [0], learningRate: 0.003, task: 'regression' } }
]

for (const { name, spec } of cases) {
  test(`${name}: a primed model learns and scores exactly as an unprimed twin`, async () => {
    const random = seededRandom(2)
    const xs = Float32Array.from({ length: N * FEATURES }, () => random() * 4 - 2)
    const ys = Float32Array.from({ length: N }, (_, i) => spec.task === 'multiclass' ? i % 3 : spec.task === 'regression' ? xs[i * FEATURES] * 3 : xs[i * FEATURES] > 0 ? 1 : 0)
    const open = (): Promise<ModelRunner> => ModelRunner.create({ backend: 'wasm', seed: 7, model: spec, learnScaler: true })
    const [primed, plain] = await Promise.all([open(), open()])
    try {
      const before = await primed.memory()
      await primed.prime({ steps: [4, 16], epochs: 3, batchSize: 32, rounds: 5 })
      assert.equal(await primed.memory(), before, 'the twin and its tensors are gone')
      for (let round = 0; round < 3; round++) {
        const [a, b] = await Promise.all([primed.fit(xs, ys, N, { epochs: 2, batchSize: 8, shuffle: true }), plain.fit(xs, ys, N, { epochs: 2, batchSize: 8, shuffle: true })])
        assert.equal(a.loss, b.loss, `round ${round}: the same losses (the same shuffles and dropout masks)`)
      }
      assert.equal(Array.from(await primed.predict(xs, N)), Array.from(await plain.predict(xs, N)))
    } finally { await Promise.all([primed.close(), plain.close()]) }
  })
}

test.run()
