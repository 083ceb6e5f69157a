// A TensorFlow SavedModel from Keras, imported (issue 23, section 3), proved end to end with real
// parts: the tutorial's own Keras model (Keras 2, test/python/keras_susy.py --save-format savedmodel)
// trained on real SUSY rows and saved with model.save(DIR); `streamfit models import DIR` reads it
// in TypeScript into a LayersModel; `streamfit score` scores it exactly once on each test backend;
// the predictions read by Kafka's Java read_committed consumer equal the Keras model's own
// probabilities within 1e-5, and so does TensorFlow's own runtime on the saved graph (tfjs-node's
// loadSavedModel, an independent reader of the same directory). `online` then continues it.
// Without the Python environment (test/python/setup-keras-env.sh) this suite FAILS, never skips.
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics } from '../../src/kafka/admin.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { susySpec } from '../../src/spec/susy.js'
import { TEST_BACKENDS } from '../support/backends.js'
import { runCli, startCli } from '../support/cli.js'
import { kerasSusy, maxDelta, requirePython, scoredExactlyOnce, susyFeatures, susyRows, tfjsNode, writeSusyRows } from '../support/keras.js'
import { uniqueName } from '../support/names.js'
import { SUSY_8K } from '../support/paths.js'
import { dropRegistry } from '../support/stored-model.js'

const config = loadConfig()
const { kafka } = config
// Keras trains on rows [0, 3000); scoring is judged on the next 1,000, online learns the 1,000 after.
const TRAIN_ROWS = 3000
const SCORE_FROM = 3000
const SCORE_ROWS = 1000
const TOLERANCE = 1e-5

const prefix = `${uniqueName('savedmodel-import')}:`
const input = uniqueName('savedmodel-in')
const train = uniqueName('savedmodel-train')
const topics: string[] = [input, train]
const work = mkdtempSync(join(tmpdir(), 'streamfit-savedmodel-'))
const savedModel = join(work, 'keras', 'savedmodel')
const env = { STREAMFIT_REGISTRY_PREFIX: prefix, STREAMFIT_TEST_TOPIC: input }

let keras: { params: number, probabilities: number[] }
let imported = ''

test.before(async () => {
  requirePython()
  const out = await kerasSusy(['train', '--data', SUSY_8K, '--train-rows', String(TRAIN_ROWS), '--epochs', '2', '--seed', '7',
    '--score-from', String(SCORE_FROM), '--score-rows', String(SCORE_ROWS), '--out', join(work, 'keras'), '--save-format', 'savedmodel'])
  keras = JSON.parse(out.trim().split('\n').at(-1)!) as typeof keras
  await writeSusyRows(kafka, input, SCORE_FROM, SCORE_ROWS)
  await writeSusyRows(kafka, train, SCORE_FROM + SCORE_ROWS, SCORE_ROWS)
})

test.after(async () => {
  await deleteTopics(kafka, topics)
  await dropRegistry(prefix)
  rmSync(work, { recursive: true, force: true })
})

test('the tutorial\'s Keras model saved as a SavedModel imports and scores exactly once to its own probabilities (1e-5)', async () => {
  assert.is(keras.params, 68_481, 'the tutorial\'s MLP')
  const labels = susyRows(SCORE_FROM, SCORE_ROWS).map(r => Number(r.key))
  const right = keras.probabilities.filter((p, i) => (p >= 0.5 ? 1 : 0) === labels[i]).length / SCORE_ROWS
  assert.ok(right > 0.65 && Math.min(...keras.probabilities) < 0.2 && Math.max(...keras.probabilities) > 0.8, `a trained model: accuracy ${right}`)

  // TensorFlow's own runtime on the saved graph (tfjs-node's libtensorflow), the referee of the directory itself.
  const tf = await tfjsNode('tf.node.loadSavedModel')
  const graph = await tf.node.loadSavedModel(savedModel)
  const xs = tf.tensor2d(susyFeatures(SCORE_FROM, SCORE_ROWS), [SCORE_ROWS, 18])
  const fromGraph = await (graph.predict(xs) as import('@tensorflow/tfjs').Tensor).data()
  graph.dispose()
  assert.ok(maxDelta(fromGraph, keras.probabilities) <= TOLERANCE, 'TensorFlow\'s runtime and Keras agree on the SavedModel')

  const result = await runCli(['models', 'import', savedModel, '--json'], env)
  imported = result.json.ref as string
  assert.is(imported, 'susy@1')
  assert.equal(result.json.inputShape, [null, 18])
  assert.equal(result.json.outputShape, [null, 1])
  assert.is(result.json.task, 'binary')
  assert.is(result.json.params, 68_481)
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix })
  try {
    const stored = await registry.load(imported)
    assert.is(stored.info.importedFrom, savedModel)
    assert.is(stored.info.format, 'keras-saved-model')
    assert.is(stored.rows, 0)
    // The stored LayersModel, rebuilt by tfjs, gives what TensorFlow's runtime gives on the graph.
    const s = stored.snapshot
    const layers = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: s.topology, weightSpecs: s.weightSpecs as never, weightData: s.weights.slice().buffer }))
    const fromLayers = await (layers.predict(xs) as import('@tensorflow/tfjs').Tensor).data()
    const delta = maxDelta(fromLayers, fromGraph)
    console.log(`  savedmodel-import: max |imported LayersModel - loadSavedModel| = ${delta.toExponential(2)}`)
    assert.ok(delta <= TOLERANCE, `max |Δ| ${delta}`)
    layers.dispose()
  } finally {
    await registry.close()
  }

  for (const backend of TEST_BACKENDS) {
    const scores = await scoredExactlyOnce({ name: 'savedmodel', backend, model: imported, input, rows: SCORE_ROWS, kafka, env, topics })
    const delta = maxDelta(scores, keras.probabilities)
    console.log(`  savedmodel-import: ${backend}: max |streamfit - Keras| over ${SCORE_ROWS} rows = ${delta.toExponential(2)}`)
    assert.ok(delta <= TOLERANCE, `${backend}: max |Δ| ${delta} > ${TOLERANCE}`)
  }
})

test('online continues the imported SavedModel like any other version', async () => {
  const run = await runCli(['online', '--backend', 'wasm', '--group', uniqueName('savedmodel-online'), '--stream-timeout', '3000', '--save-every', '2', '--seed', '3', '--json'],
    { ...env, STREAMFIT_TRAIN_TOPIC: train })
  assert.is(run.json.resumedFrom, imported)
  assert.is(run.json.rows, SCORE_ROWS)
  assert.ok((run.json.prequentialAccuracy as number) > 0.65, `prequential accuracy ${String(run.json.prequentialAccuracy)}`)
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix })
  try {
    const [first, latest] = [await registry.load(imported), await registry.load('susy@latest')]
    assert.is(latest.ref, run.json.model)
    assert.is(latest.rows, SCORE_ROWS)
    assert.ok(!Buffer.from(latest.snapshot.weights).equals(Buffer.from(first.snapshot.weights)), 'the weights moved')
  } finally {
    await registry.close()
  }
})

test('models import refuses in one line (exit 2), before Redis is asked: no Keras metadata; a 3-feature --spec', async () => {
  const refused = async (args: string[], message: RegExp): Promise<void> => {
    const run = startCli('import', ['models', 'import', ...args], { ...env, REDIS_URL: 'redis://127.0.0.1:1' })
    const exit = await run.exited
    assert.is(exit.code, 2, exit.stderr)
    assert.is(exit.stdout, '')
    assert.match(exit.stderr, message)
  }
  const graphOnly = join(work, 'graph-only')
  cpSync(savedModel, graphOnly, { recursive: true })
  unlinkSync(join(graphOnly, 'keras_metadata.pb'))
  await refused([graphOnly], /^streamfit: \S+graph-only: a TensorFlow SavedModel without keras_metadata\.pb \(.*\): it holds a graph, not Keras layers that can train; .*\n$/)
  const base = susySpec({ topics: { train: 't', test: 's', predictions: 'p', dlq: 'd' } })
  const spec = join(work, 'three.json')
  writeFileSync(spec, JSON.stringify({ ...base, name: 'three', features: base.features.slice(0, 3) }))
  await refused([savedModel, '--spec', spec], /^streamfit: \S+savedmodel: the model takes \[null,18\] and gives \[null,1\]; expected \[null,3\] in \(3 feature columns\) and \[null,1\] out \(1 output unit\)\n$/)
})

test.run()
