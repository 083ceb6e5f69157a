// `models import`'s checks on the file it is given, each a one-line UsageError naming what is wrong:
// wrong input width, wrong output units (both shapes named), a missing or short weights file, a
// GraphModel, a SavedModel without Keras' config, a topology tfjs cannot build, a bad scaler. And what passes: weights
// kept byte for byte, the expected shape taken from the argument, export's scaler restored, and
// export's removal of the optimizer's state. Fixtures are real tfjs LayersModels written to disk.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../src/errors.js'
import { loadBackend } from '../../src/ml/backend.js'
import type { ModelSnapshot } from '../../src/ml/protocol.js'
import { modelWeightsOnly } from '../../src/registry/export-model.js'
import { expectedFor, prepareImport, readScalerFile, SUSY_SHAPE } from '../../src/registry/import-model.js'
import { susySpec } from '../../src/spec/susy.js'
import type { ResolvedSpec } from '../../src/spec/types.js'
import { WEIGHTS_BIN, writeLayersModel, type LayersModelFiles } from '../../src/registry/layers-model-files.js'

const work = mkdtempSync(join(tmpdir(), 'streamfit-import-'))
let fixtures = 0

/** A tfjs MLP `inputs` → 8 → `outputs`, saved as model.json + one shard in a new directory. */
async function writeModel (inputs: number, outputs: number, extra: Partial<LayersModelFiles> = {}, activation: 'sigmoid' | 'softmax' | 'linear' | 'softmax layer' = outputs === 1 ? 'sigmoid' : 'softmax'): Promise<string> {
  const { tf } = await loadBackend('cpu')
  const layers: Array<ReturnType<typeof tf.layers.dense> | ReturnType<typeof tf.layers.softmax>> = [tf.layers.dense({ units: 8, activation: 'relu', inputShape: [inputs] }), tf.layers.dense({ units: outputs, activation: activation === 'softmax layer' ? 'linear' : activation })]
  // Keras' other spelling: Dense(n) then a Softmax layer.
  if (activation === 'softmax layer') layers.push(tf.layers.softmax())
  const model = tf.sequential({ layers })
  const dir = join(work, `model-${++fixtures}`)
  await model.save(tf.io.withSaveHandler(async artifacts => {
    writeLayersModel(dir, {
      modelTopology: artifacts.modelTopology as object,
      weightSpecs: artifacts.weightSpecs as LayersModelFiles['weightSpecs'],
      weights: new Uint8Array(artifacts.weightData as ArrayBuffer),
      ...extra
    })
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
  }))
  model.dispose()
  return dir
}

/** The UsageError `fn` rejects with; asserts it is one line. */
async function usageError (fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn()
  } catch (error) {
    assert.instance(error, UsageError, String(error))
    const message = (error as Error).message
    assert.not.match(message, /\n/, `one line: ${message}`)
    return message
  }
  throw new assert.Assertion({ message: 'expected a UsageError', generated: false, operator: 'throws', expects: 'UsageError', actual: 'no error' })
}

test.after(() => rmSync(work, { recursive: true, force: true }))

test('a LayersModel of the expected shape imports with its weights byte for byte and no scaler', async () => {
  const dir = await writeModel(18, 1)
  const prepared = await prepareImport(dir)
  assert.equal(prepared.inputShapes, [[null, 18]])
  assert.equal(prepared.outputShapes, [[null, 1]])
  assert.ok(Buffer.from(prepared.snapshot.weights).equals(readFileSync(join(dir, WEIGHTS_BIN))))
  assert.is(prepared.snapshot.scaler, undefined)
  assert.is(prepared.info.importedFrom, join(dir, 'model.json'))
  assert.is(prepared.info.scaler, 'none')
  // The model.json path itself works as well as its directory.
  assert.equal((await prepareImport(join(dir, 'model.json'))).snapshot.weightSpecs, prepared.snapshot.weightSpecs)
})

test('wrong input width: one line naming both shapes', async () => {
  const dir = await writeModel(17, 1)
  const message = await usageError(() => prepareImport(dir))
  assert.is(message, `${join(dir, 'model.json')}: the model takes [null,17] and gives [null,1]; expected [null,18] in (18 feature columns) and [null,1] out (1 output unit)`)
})

test('wrong output units: one line naming both shapes', async () => {
  const dir = await writeModel(18, 3)
  const message = await usageError(() => prepareImport(dir))
  assert.is(message, `${join(dir, 'model.json')}: the model takes [null,18] and gives [null,3]; expected [null,18] in (18 feature columns) and [null,1] out (1 output unit)`)
})

test('the expected shape is an argument: a 17-feature, 3-unit model passes when that is expected', async () => {
  const dir = await writeModel(17, 3)
  const prepared = await prepareImport(dir, { expected: { inputs: 17, outputs: 3 } })
  assert.equal(prepared.outputShapes, [[null, 3]])
  assert.match(await usageError(() => prepareImport(dir, { expected: SUSY_SHAPE })), /takes \[null,17\] and gives \[null,3\]/)
})

/** SUSY's layout with `features` numeric columns and another task. */
function specWith (features: number, task: ResolvedSpec['task']): ResolvedSpec {
  const base = susySpec({ topics: { train: 't', test: 's', predictions: 'p', dlq: 'd' } })
  return { ...base, name: 'other', features: base.features.slice(0, features), task }
}

test('binary needs one sigmoid unit: a linear one (logits, or a regression) is refused in one line', async () => {
  const dir = await writeModel(18, 1, {}, 'linear')
  assert.is(await usageError(() => prepareImport(dir)),
    `${join(dir, 'model.json')}: the model ends in 1 linear unit, which streamfit reads as a regression value; the task is binary: it needs one sigmoid unit (a model trained on logits needs its sigmoid added)`)
  // Three linear units (logits) would be read as class probabilities: refused too.
  const logits = await writeModel(18, 3, {}, 'linear')
  assert.is(await usageError(() => prepareImport(logits, { spec: specWith(18, { type: 'multiclass', classes: ['a', 'b', 'c'] }) })),
    `${join(logits, 'model.json')}: the model ends in 3 linear units, which streamfit reads as class probabilities; the task is multiclass: it needs one softmax unit per class`)
})

test('a spec sets the expected shape and task, and is stored with the model', async () => {
  const spec = specWith(5, { type: 'multiclass', classes: ['a', 'b', 'c'] })
  assert.equal(expectedFor(spec), { inputs: 5, outputs: 3, task: 'multiclass' })
  const prepared = await prepareImport(await writeModel(5, 3), { spec })
  assert.equal(prepared.snapshot.spec, spec)
  assert.is(prepared.info.spec, 'given')
  assert.is(prepared.task, 'multiclass')
  assert.is((await prepareImport(await writeModel(5, 3, {}, 'softmax layer'), { spec })).activation, 'softmax')
  assert.match(await usageError(async () => prepareImport(await writeModel(5, 2), { spec })), /gives \[null,2\]; expected \[null,5\] in \(5 feature columns\) and \[null,3\] out \(3 output units\)/)
  // Without a spec: SUSY's layout, nothing stored.
  const susy = await prepareImport(await writeModel(18, 1))
  assert.is(susy.snapshot.spec, undefined)
  assert.is(susy.info.spec, 'none')
})

test('what export put in model.json comes back: a regression model\'s spec and label standardisation', async () => {
  const spec = specWith(4, { type: 'regression' })
  const target = { mean: [120], std: [30], rows: 900 }
  const dir = await writeModel(4, 1, { userDefinedMetadata: { streamfit: { model: 'other@2', spec, target } } }, 'linear')
  // The expected shape comes from that spec (4 features), not SUSY's.
  const prepared = await prepareImport(dir)
  assert.equal(prepared.snapshot.spec, spec)
  assert.equal(prepared.snapshot.target, target)
  assert.is(prepared.info.spec, 'from model.json')
  assert.is(prepared.task, 'regression')
})

test('a missing weights file, or a short one, is named', async () => {
  const missing = await writeModel(18, 1)
  unlinkSync(join(missing, WEIGHTS_BIN))
  assert.is(await usageError(() => prepareImport(missing)), `${join(missing, WEIGHTS_BIN)} is missing: model.json's weightsManifest names it as a weights file`)
  const short = await writeModel(18, 1)
  truncateSync(join(short, WEIGHTS_BIN), 100)
  assert.is(await usageError(() => prepareImport(short)), `${join(short, 'model.json')}: the weights files hold 100 bytes, its weightsManifest describes ${(18 * 8 + 8 + 8 + 1) * 4}`)
})

test('a GraphModel, a SavedModel, a directory without model.json, a Keras file, a path that does not exist', async () => {
  const graph = join(work, 'graph')
  mkdirSync(graph)
  // What the converter writes for --output_format tfjs_graph_model.
  writeFileSync(join(graph, 'model.json'), JSON.stringify({ format: 'graph-model', generatedBy: '2.16.2', convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology: { node: [{ name: 'x', op: 'Placeholder' }], library: {}, versions: {} }, weightsManifest: [] }))
  assert.is(await usageError(() => prepareImport(graph)), `${join(graph, 'model.json')} is a TensorFlow.js GraphModel (an inference-only graph), not a LayersModel: convert the Keras model with \`tensorflowjs_converter --input_format keras --output_format tfjs_layers_model\``)
  const saved = join(work, 'saved')
  mkdirSync(saved)
  writeFileSync(join(saved, 'saved_model.pb'), '')
  // A SavedModel with no Keras config beside its graph (test/unit/savedmodel-reader.test.ts has the rest).
  assert.match(await usageError(() => prepareImport(saved)), /saved: a TensorFlow SavedModel without keras_metadata\.pb \(.*\): it holds a graph, not Keras layers that can train; save the Keras model with Keras 2's model\.save/)
  assert.match(await usageError(() => prepareImport(work)), /has no model\.json and no saved_model\.pb: give a TensorFlow\.js LayersModel/)
  const h5 = join(work, 'model.h5')
  writeFileSync(h5, 'HDF')
  assert.match(await usageError(() => prepareImport(h5)), /model\.h5 is a Keras file: convert it first with `tensorflowjs_converter --input_format keras /)
  assert.match(await usageError(() => prepareImport(join(work, 'nowhere'))), /nowhere does not exist/)
})

test('a topology tfjs cannot build: one line with tfjs\' reason', async () => {
  const dir = await writeModel(18, 1)
  const file = join(dir, 'model.json')
  const json = JSON.parse(readFileSync(file, 'utf8')) as { modelTopology: { config: { layers: Array<{ class_name: string }> } } }
  json.modelTopology.config.layers[0].class_name = 'NoSuchLayer'
  writeFileSync(file, JSON.stringify(json))
  assert.match(await usageError(() => prepareImport(dir)), /TensorFlow\.js cannot build this LayersModel: .*NoSuchLayer/)
})

test('scaler: the one export wrote is restored, a given one wins, a wrong one is refused', async () => {
  const scaler = { mean: Array.from({ length: 18 }, (_, i) => i), std: Array.from({ length: 18 }, () => 2), rows: 50 }
  const dir = await writeModel(18, 1, { userDefinedMetadata: { streamfit: { model: 'susy@3', scaler } } })
  const restored = await prepareImport(dir)
  assert.equal(restored.snapshot.scaler, scaler)
  assert.is(restored.info.scaler, 'from model.json')
  const given = { ...scaler, mean: scaler.mean.map(m => m + 1) }
  assert.equal((await prepareImport(dir, { scaler: given })).snapshot.scaler, given)
  const file = join(work, 'scaler.json')
  writeFileSync(file, JSON.stringify({ mean: [0, 1], std: [1, 1] }))
  assert.is(await usageError(() => prepareImport(dir, { scaler: readScalerFile(file) })), 'the scaler given needs "mean" and "std": 18 finite numbers each, every std > 0')
})

test('export without the optimizer: its tensors and their bytes leave, the model\'s stay in order', () => {
  const f32 = (...xs: number[]): Uint8Array => new Uint8Array(Float32Array.from(xs).buffer)
  const snapshot: ModelSnapshot = {
    topology: {},
    weightSpecs: [
      { name: 'dense/kernel', shape: [2], dtype: 'float32' },
      { name: 'dense/bias', shape: [1], dtype: 'float32', group: 'model' },
      { name: 'iter', shape: [], dtype: 'float32', group: 'optimizer' },
      { name: 'dense/kernel/m', shape: [2], dtype: 'float32', group: 'optimizer' }
    ],
    weights: new Uint8Array(Buffer.concat([f32(1, 2), f32(3), f32(9), f32(8, 7)]))
  }
  const kept = modelWeightsOnly(snapshot)
  assert.equal(kept.weightSpecs.map(s => s.name), ['dense/kernel', 'dense/bias'])
  assert.equal(Array.from(new Float32Array(kept.weights.buffer, kept.weights.byteOffset, 3)), [1, 2, 3])
})

test.run()
