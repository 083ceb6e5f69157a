// A model's size, known before a worker builds it (src/ml/model-size.ts), decides the online
// learner's step (16 rows under 20,000 weights, else 32). It must be the model's real size:
// the count tfjs gives for the built model, for each kind of MLP, and for a stored snapshot
// (whose optimizer state is not the model's).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadBackend } from '../../src/ml/backend.js'
import { buildModel, SUSY_MODEL, type ModelSpec } from '../../src/ml/model.js'
import { snapshotWeights, specWeights } from '../../src/ml/model-size.js'
import { ModelRunner } from '../../src/ml/runner.js'

const SPECS: Array<[string, ModelSpec]> = [
  ['the tutorial\'s SUSY MLP', SUSY_MODEL],
  ['a one-layer binary MLP (Phishing\'s)', { inputs: 9, hidden: [32], dropout: [0], learningRate: 0.001 }],
  ['a multiclass MLP', { inputs: 19, hidden: [64, 32], dropout: [0.1, 0], learningRate: 0.001, task: 'multiclass', outputs: 7 }],
  ['a regression MLP with two embeddings', { inputs: 4, hidden: [16], dropout: [0], learningRate: 0.001, task: 'regression', embeddings: [{ name: 'a', categories: 5, dim: 3 }, { name: 'b', categories: 12, dim: 4 }] }]
]

for (const [name, spec] of SPECS) {
  test(`specWeights counts what tfjs builds: ${name}`, async () => {
    const { tf } = await loadBackend('cpu')
    const model = buildModel(tf, spec)
    assert.is(specWeights(spec), model.countParams())
    model.dispose()
  })
}

test('the tutorial\'s MLP has 68,481 weights', () => {
  assert.is(specWeights(SUSY_MODEL), 68_481)
})

test('snapshotWeights counts a stored model\'s weights, not its Adam moments', async () => {
  const spec: ModelSpec = { inputs: 9, hidden: [32], dropout: [0], learningRate: 0.001 }
  const runner = await ModelRunner.create({ backend: 'cpu', model: spec, seed: 1 })
  try {
    await runner.fit(new Float32Array(4 * 9).fill(0.5), Float32Array.of(0, 1, 0, 1), 4, { epochs: 1, batchSize: 4 })
    const snapshot = await runner.snapshot()
    assert.ok(snapshot.weightSpecs.some(w => w.group === 'optimizer'), 'the snapshot holds the optimizer\'s state')
    assert.is(snapshotWeights(snapshot), runner.params)
    assert.is(snapshotWeights(snapshot), 353)
  } finally {
    await runner.close()
  }
})

test.run()
