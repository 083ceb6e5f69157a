// Models from elsewhere, and to elsewhere (issue 23, section 3), proved end to end with real parts:
// the tutorial's own Keras model (Keras 2, Python, test/python/keras_susy.py) trained on real SUSY
// rows, saved as HDF5 and converted by the `tensorflowjs` converter; imported with `streamfit models
// import`; scored exactly once by `streamfit score` on each test backend; the predictions read by
// Kafka's Java read_committed consumer equal the Keras model's own probabilities within 1e-5.
// `online` then continues it. Then `models export`: tfjs-node's `tf.loadLayersModel('file://…')` reads it back, and the
// converter turns a streamfit-trained export (scaler in userDefinedMetadata) back into Keras,
// whose probabilities equal streamfit's.
// The Python environment comes from test/python/setup-keras-env.sh; without it this suite FAILS
// (never skips) and says how to create it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics } from '../../src/kafka/admin.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { susySpec } from '../../src/spec/susy.js'
import { TEST_BACKENDS } from '../support/backends.js'
import { runCli, startCli } from '../support/cli.js'
import { kerasSusy, maxDelta, requirePython, scoredExactlyOnce, susyFeatures, susyRows, tfjsNode, writeSusyRows } from '../support/keras.js'
import { uniqueName } from '../support/names.js'
import { SUSY_8K, susyLines } from '../support/paths.js'
import { SMALL_MODEL, dropRegistry } from '../support/stored-model.js'

const config = loadConfig()
const { kafka } = config
// Keras trains on rows [0, 3000); everything is judged on the next 1,000 rows.
const TRAIN_ROWS = 3000
const SCORE_FROM = 3000
const SCORE_ROWS = 1000
const TOLERANCE = 1e-5

const prefix = `${uniqueName('keras-import')}:`
const input = uniqueName('keras-import-in')
const train = uniqueName('keras-import-train')
const topics: string[] = [input, train]
const work = mkdtempSync(join(tmpdir(), 'streamfit-keras-'))
const env = { STREAMFIT_REGISTRY_PREFIX: prefix, STREAMFIT_TEST_TOPIC: input }

interface KerasRun { params: number, accuracy: number, probabilities: number[], fromTfjs: Record<string, number[]> }
let keras: KerasRun
let imported = ''
// A streamfit-trained model (its scaler learnt from the rows) exported, and what streamfit predicts with it.
let nativeExport = ''
let nativeScores: Float32Array

const scoredRows = (): Array<{ key: string, value: string }> => susyRows(SCORE_FROM, SCORE_ROWS)
const writeRows = async (topic: string, from = SCORE_FROM): Promise<void> => await writeSusyRows(kafka, topic, from, SCORE_ROWS)
const features = (): Float32Array => susyFeatures(SCORE_FROM, SCORE_ROWS)

/** A streamfit-trained model of the tutorial's shape family (small), with a scaler and Adam's state. */
async function storeNativeModel (): Promise<string> {
  const lines = susyLines().slice(0, 512)
  const xs = new Float32Array(lines.length * 18)
  const ys = new Float32Array(lines.length)
  lines.forEach((line, i) => line.split(',').forEach((v, j) => { if (j === 0) ys[i] = Number(v); else xs[i * 18 + j - 1] = Number(v) }))
  const runner = await ModelRunner.create({ backend: 'wasm', seed: 11, model: SMALL_MODEL, learnScaler: true })
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix })
  try {
    for (let at = 0; at < lines.length; at += 64) await runner.trainBatch(xs.subarray(at * 18, (at + 64) * 18), ys.subarray(at, at + 64), 64)
    await runner.freezeScaler()
    nativeScores = await runner.predict(features(), SCORE_ROWS)
    const saved = await registry.save({ name: 'native', snapshot: await runner.snapshot(), backend: runner.backend, rows: lines.length, epochs: 1 })
    return saved.ref
  } finally {
    await registry.close()
    await runner.close()
  }
}

test.before(async () => {
  requirePython()
  // The streamfit model goes out first, so one Python process (one TensorFlow start, the slow
  // part here) trains the Keras model, converts it, and converts the export back.
  const native = await storeNativeModel()
  const exported = await runCli(['models', 'export', native, join(work, 'native'), '--json'], env)
  nativeExport = exported.json.path as string
  assert.ok(exported.json.scaler === true, 'the streamfit model has a scaler')
  const out = await kerasSusy(['train', '--data', SUSY_8K, '--train-rows', String(TRAIN_ROWS), '--epochs', '2', '--seed', '7',
    '--score-from', String(SCORE_FROM), '--score-rows', String(SCORE_ROWS), '--out', join(work, 'keras'), '--from-tfjs', nativeExport])
  keras = JSON.parse(out.trim().split('\n').at(-1)!) as KerasRun
  await writeRows(input)
  await writeRows(train, SCORE_FROM + SCORE_ROWS)
})

test.after(async () => {
  await deleteTopics(kafka, topics)
  await dropRegistry(prefix)
  rmSync(work, { recursive: true, force: true })
})

test('the tutorial\'s Keras model, converted and imported, scores exactly once to its own probabilities (1e-5)', async () => {
  assert.is(keras.params, 68_481, 'the tutorial\'s MLP')
  // A trained model, not a constant: its probabilities spread and mostly pick the right class.
  const labels = scoredRows().map(r => Number(r.key))
  const right = keras.probabilities.filter((p, i) => (p >= 0.5 ? 1 : 0) === labels[i]).length / SCORE_ROWS
  assert.ok(right > 0.65 && Math.min(...keras.probabilities) < 0.2 && Math.max(...keras.probabilities) > 0.8, `a trained model: accuracy ${right}`)

  const tfjsDir = join(work, 'keras', 'tfjs')
  const result = await runCli(['models', 'import', tfjsDir, '--json'], env)
  imported = result.json.ref as string
  assert.is(imported, 'susy@1')
  assert.equal(result.json.inputShape, [null, 18])
  assert.equal(result.json.outputShape, [null, 1])
  assert.is(result.json.task, 'binary')
  assert.is(result.json.params, 68_481)
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix })
  try {
    const stored = await registry.load(imported)
    assert.is(stored.info.importedFrom, join(tfjsDir, 'model.json'))
    assert.is(stored.rows, 0)
    assert.is(stored.epochs, 0)
    assert.is(stored.snapshot.scaler, undefined, 'no scaler: the Keras model takes raw features')
    // The weights exactly as the converter wrote them.
    assert.ok(Buffer.from(stored.snapshot.weights).equals(readFileSync(join(tfjsDir, 'group1-shard1of1.bin'))), 'weights stored byte for byte')
  } finally {
    await registry.close()
  }

  for (const backend of TEST_BACKENDS) {
    const scores = await scoredExactlyOnce({ name: 'keras-import', backend, model: imported, input, rows: SCORE_ROWS, kafka, env, topics })
    const delta = maxDelta(scores, keras.probabilities)
    console.log(`  keras-import: ${backend}: max |streamfit - Keras| over ${SCORE_ROWS} rows = ${delta.toExponential(2)}`)
    assert.ok(delta <= TOLERANCE, `${backend}: max |Δ| ${delta} > ${TOLERANCE}`)
  }
})

test('online continues the imported model like any other version', async () => {
  const run = await runCli(['online', '--backend', 'wasm', '--group', uniqueName('keras-import-online'), '--stream-timeout', '3000', '--save-every', '2', '--seed', '3', '--json'],
    { ...env, STREAMFIT_TRAIN_TOPIC: train })
  assert.is(run.json.resumedFrom, imported)
  assert.is(run.json.rows, SCORE_ROWS)
  assert.ok((run.json.versions as string[]).length >= 1 && run.json.model === (run.json.versions as string[]).at(-1), JSON.stringify(run.json))
  // Each mini-batch is scored before it is learnt: the first ones by the Keras model as imported.
  assert.ok((run.json.prequentialAccuracy as number) > 0.65, `prequential accuracy ${String(run.json.prequentialAccuracy)}`)
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix })
  try {
    const latest = await registry.load('susy@latest')
    assert.is(latest.ref, run.json.model)
    assert.is(latest.rows, SCORE_ROWS)
    assert.ok(!Buffer.from(latest.snapshot.weights).equals(readFileSync(join(work, 'keras', 'tfjs', 'group1-shard1of1.bin'))), 'the weights moved')
  } finally {
    await registry.close()
  }
})

test('models export: the converter turns a streamfit-trained export into Keras, tf.loadLayersModel(file://) reads exports back', async () => {
  // The streamfit-trained model: the converter's Keras model on standardised rows gives streamfit's.
  const fromKeras = keras.fromTfjs[nativeExport]
  assert.ok(fromKeras !== undefined, 'the converter read the streamfit export')
  const delta = maxDelta(fromKeras, nativeScores)
  console.log(`  keras-import: streamfit model -> export -> tensorflowjs converter -> Keras: max |Δ| = ${delta.toExponential(2)}`)
  assert.ok(delta <= TOLERANCE, `max |Δ| ${delta}`)

  const tf = await tfjsNode('tf.loadLayersModel(\'file://…\')')
  const xs = features()
  // The imported Keras model, exported: tfjs-node's own file reader gives the Keras probabilities.
  const exported = await runCli(['models', 'export', imported, join(work, 'keras-export'), '--json'], env)
  assert.is(exported.json.scaler, false)
  const back = await tf.loadLayersModel(`file://${exported.json.path as string}`)
  const scores = await (back.predict(tf.tensor2d(xs, [SCORE_ROWS, 18])) as import('@tensorflow/tfjs').Tensor).data()
  assert.ok(maxDelta(scores, keras.probabilities) <= TOLERANCE, 'the export of the import predicts as Keras')

  // And tfjs reads the streamfit export (scaler applied by hand from userDefinedMetadata), with the optimizer's state too.
  const withOptimizer = await runCli(['models', 'export', 'native@latest', join(work, 'native-opt'), '--include-optimizer', '--json'], env)
  assert.ok((withOptimizer.json.tensors as number) > (JSON.parse(readFileSync(nativeExport, 'utf8')).weightsManifest[0].weights as unknown[]).length, 'Adam\'s moments included')
  for (const path of [nativeExport, withOptimizer.json.path as string]) {
    const model = await tf.loadLayersModel(`file://${path}`)
    const { mean, std } = (JSON.parse(readFileSync(path, 'utf8')) as { userDefinedMetadata: { streamfit: { scaler: { mean: number[], std: number[] } } } }).userDefinedMetadata.streamfit.scaler
    const m = Float32Array.from(mean)
    const inv = Float32Array.from(std, s => 1 / s)
    const z = Float32Array.from(xs, (x, k) => (x - m[k % 18]) * inv[k % 18])
    const out = await (model.predict(tf.tensor2d(z, [SCORE_ROWS, 18])) as import('@tensorflow/tfjs').Tensor).data()
    assert.ok(maxDelta(out, nativeScores) <= TOLERANCE, `${path} predicts as streamfit`)
  }
})

test('models import refuses in one line (exit 2), before Redis is asked: a GraphModel; the Keras model against a 3-feature --spec', async () => {
  const refused = async (args: string[], message: RegExp): Promise<void> => {
    const run = startCli('import', ['models', 'import', ...args], { ...env, REDIS_URL: 'redis://127.0.0.1:1' })
    const exit = await run.exited
    assert.is(exit.code, 2, exit.stderr)
    assert.is(exit.stdout, '')
    assert.match(exit.stderr, message)
  }
  const dir = join(work, 'graph')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }))
  await refused([dir], /^streamfit: \S+model\.json is a TensorFlow\.js GraphModel \(an inference-only graph\), not a LayersModel: convert .*\n$/)
  // A spec file as a user writes one (JSON here), with three of SUSY's columns.
  const base = susySpec({ topics: { train: 't', test: 's', predictions: 'p', dlq: 'd' } })
  const spec = join(work, 'three.json')
  writeFileSync(spec, JSON.stringify({ ...base, name: 'three', features: base.features.slice(0, 3) }))
  await refused([join(work, 'keras', 'tfjs'), '--spec', spec], /^streamfit: \S+model\.json: the model takes \[null,18\] and gives \[null,1\]; expected \[null,3\] in \(3 feature columns\) and \[null,1\] out \(1 output unit\)\n$/)
})

test.run()
