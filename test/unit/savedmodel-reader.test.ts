// The Keras SavedModel reader of `models import` (src/registry/saved-model/): a real SavedModel
// written by Keras 2 (test/fixtures/keras-savedmodel, made by test/python/make_savedmodel_fixture.py)
// becomes a LayersModel whose predictions are Keras' own (expected.json, 1e-5) and which trains;
// and each way the directory can be wrong or damaged fails in one documented line.
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../src/errors.js'
import { loadBackend } from '../../src/ml/backend.js'
import { prepareImport } from '../../src/registry/import-model.js'
import { maskedCrc32c } from '../../src/registry/saved-model/crc32c.js'
import { readVarint } from '../../src/registry/saved-model/protobuf.js'
import { PACKAGE_ROOT } from '../support/paths.js'

const FIXTURE = join(PACKAGE_ROOT, 'test', 'fixtures', 'keras-savedmodel')
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as { rows: number[][], probabilities: number[] }
const work = mkdtempSync(join(tmpdir(), 'streamfit-savedmodel-'))
let copies = 0

/** A fresh copy of the fixture to damage. */
function copy (): string {
  const dir = join(work, `sm-${++copies}`)
  cpSync(FIXTURE, dir, { recursive: true })
  return dir
}

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

test('a Keras 2 SavedModel imports as a LayersModel that predicts as Keras (1e-5) and trains', async () => {
  const prepared = await prepareImport(FIXTURE)
  assert.is(prepared.info.format, 'keras-saved-model')
  assert.is(prepared.info.importedFrom, FIXTURE)
  assert.match(String(prepared.info.generatedBy), /^keras v2\./)
  assert.equal(prepared.inputShapes, [[null, 18]])
  assert.equal(prepared.outputShapes, [[null, 1]])
  assert.is(prepared.task, 'binary')
  // The model's weights by their Keras names, BatchNormalization's moving statistics included; no optimizer slots.
  // In tfjs' order (trainable weights first), which is the order the stored weights take.
  assert.equal(prepared.snapshot.weightSpecs.map(w => w.name), ['dense/kernel', 'dense/bias', 'batch_normalization/gamma', 'batch_normalization/beta',
    'dense_1/kernel', 'dense_1/bias', 'batch_normalization/moving_mean', 'batch_normalization/moving_variance'])
  assert.is(prepared.snapshot.weights.byteLength, (18 * 4 + 4 + 4 * 4 + 4 + 1) * 4)

  const { tf } = await loadBackend('cpu')
  const s = prepared.snapshot
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: s.topology, weightSpecs: s.weightSpecs as never, weightData: s.weights.slice().buffer }))
  const x = tf.tensor2d(expected.rows)
  const p = await (model.predict(x) as import('@tensorflow/tfjs').Tensor).data()
  const delta = Math.max(...expected.probabilities.map((q, i) => Math.abs(q - p[i])))
  assert.ok(delta <= 1e-5, `max |tfjs - Keras| ${delta}`)
  // Trainable, not a frozen graph: one step moves the weights.
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' })
  const before = await model.getWeights()[0].data()
  await model.trainOnBatch(x, tf.ones([expected.rows.length, 1]))
  const after = await model.getWeights()[0].data()
  assert.ok(after.some((v, i) => v !== before[i]), 'a training step moved dense/kernel')
  model.dispose()
})

test('a SavedModel without keras_metadata.pb (a tf.Module\'s, Keras 3\'s export): says so and what to do', async () => {
  const dir = copy()
  unlinkSync(join(dir, 'keras_metadata.pb'))
  assert.is(await usageError(() => prepareImport(dir)), `${dir}: a TensorFlow SavedModel without keras_metadata.pb (saved by tf.saved_model.save from a tf.Module, or Keras 3's model.export): ` +
    'it holds a graph, not Keras layers that can train; save the Keras model with Keras 2\'s model.save(DIR) (tf_keras), or as HDF5 converted by `tensorflowjs_converter --input_format keras`')
})

test('missing or damaged checkpoint files: one line naming the file and the fault', async () => {
  let dir = copy()
  unlinkSync(join(dir, 'variables', 'variables.data-00000-of-00001'))
  assert.is(await usageError(() => prepareImport(dir)), `${dir}: the checkpoint under variables/ cannot be read: variables.data-00000-of-00001 is missing: the weights variables.index points at`)

  dir = copy()
  unlinkSync(join(dir, 'variables', 'variables.index'))
  assert.is(await usageError(() => prepareImport(dir)), `${dir}: variables/variables.index is missing: a SavedModel keeps its weights there`)

  dir = copy()
  const index = join(dir, 'variables', 'variables.index')
  truncateSync(index, readFileSync(index).length - 10)
  assert.is(await usageError(() => prepareImport(dir)), `${dir}: the checkpoint under variables/ cannot be read: variables.index: no table magic number at its end (truncated, or not a table)`)

  dir = copy()
  const data = join(dir, 'variables', 'variables.data-00000-of-00001')
  const bytes = readFileSync(data)
  truncateSync(data, 100)
  assert.match(await usageError(() => prepareImport(dir)), new RegExp(`^${dir}: the checkpoint under variables/ cannot be read: variables\\.data-00000-of-00001 ends at byte 100, before _CHECKPOINTABLE_OBJECT_GRAPH's \\d+ bytes at \\d+ \\(truncated\\)$`))

  dir = copy()
  bytes[10] ^= 0xff
  writeFileSync(join(dir, 'variables', 'variables.data-00000-of-00001'), bytes)
  assert.match(await usageError(() => prepareImport(dir)), /: the checkpoint under variables\/ cannot be read: layer_with_weights-0\/kernel\/\.ATTRIBUTES\/VARIABLE_VALUE fails its CRC-32C in variables\.data-00000-of-00001 \(damaged\)$/)

  dir = copy()
  const damaged = readFileSync(join(dir, 'variables', 'variables.index'))
  damaged[20] ^= 0xff
  writeFileSync(join(dir, 'variables', 'variables.index'), damaged)
  assert.match(await usageError(() => prepareImport(dir)), /: the checkpoint under variables\/ cannot be read: variables\.index: its data block at byte 0 fails its CRC-32C \(damaged\)$/)
})

test('a float64 weight (unsupported dtype) and a shape the spec does not take: one line each', async () => {
  const dir = copy()
  const file = join(dir, 'variables', 'variables.index')
  const index = readFileSync(file)
  // dense/kernel's entry says DT_FLOAT (field 1 = 1); make it DT_DOUBLE and re-seal the block's CRC.
  const at = index.indexOf(Buffer.concat([Buffer.from('layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE'), Buffer.from([0x08, 0x01])]))
  const suffix = index.indexOf(Buffer.concat([Buffer.from('kernel/.ATTRIBUTES/VARIABLE_VALUE'), Buffer.from([0x08, 0x01])]), at === -1 ? 0 : at)
  assert.ok(suffix > 0, 'the kernel entry found')
  index[suffix + 'kernel/.ATTRIBUTES/VARIABLE_VALUE'.length + 1] = 2
  const block = firstDataBlock(index)
  index.writeUInt32LE(maskedCrc32c(index.subarray(block.offset, block.offset + block.size + 1)), block.offset + block.size + 1)
  writeFileSync(file, index)
  assert.is(await usageError(() => prepareImport(dir)), `${dir}: variable dense/kernel is float64; TensorFlow.js LayersModels take float32 weights only (build the Keras model with dtype float32)`)

  assert.is(await usageError(() => prepareImport(FIXTURE, { expected: { inputs: 3, outputs: 1 } })),
    `${FIXTURE}: the model takes [null,18] and gives [null,1]; expected [null,3] in (3 feature columns) and [null,1] out (1 output unit)`)
  assert.is(await usageError(() => prepareImport(FIXTURE, { expected: { inputs: 18, outputs: 1, task: 'regression' } })),
    `${FIXTURE}: the model ends in 1 sigmoid unit, which streamfit reads as a probability; the task is regression: it needs one linear unit`)
})

/** The table's first data block (offset, size): the first entry of its index block (footer: metaindex, index handles). */
function firstDataBlock (table: Buffer): { offset: number, size: number } {
  const footer = table.length - 48
  let at = readVarint(table, readVarint(table, footer)[1])[1]
  const [indexOffset, next] = readVarint(table, at)
  at = indexOffset
  const [, a] = readVarint(table, at) // shared
  const [unshared, b] = readVarint(table, a)
  const [, c] = readVarint(table, b) // value length
  const [offset, d] = readVarint(table, c + unshared)
  void next
  return { offset, size: readVarint(table, d)[0] }
}

test.run()
