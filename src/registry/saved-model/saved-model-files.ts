// A Keras SavedModel directory read as a TensorFlow.js LayersModel, in TypeScript: the model's config
// from keras_metadata.pb, its weights from the checkpoint under variables/. Why not tfjs-node's
// loadSavedModel: it runs the saved graph for inference only, on the native backend only, whereas
// every stored version must be a LayersModel (scored on any backend, trained on by `online`).
// What comes out is what `tensorflowjs_converter --input_format keras_saved_model` would write:
// the same topology and the same float32 weights under the variables' own names.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../../errors.js'
import { loadBackend } from '../../ml/backend.js'
import type { LayersModelFiles, WeightSpec } from '../layers-model-files.js'
import { readKerasMetadata, type KerasModelConfig } from './keras-metadata.js'
import { DT_FLOAT, TensorBundle, variableKeys } from './tensor-bundle.js'

export const SAVED_MODEL_PB = 'saved_model.pb'
const KERAS_METADATA = 'keras_metadata.pb'

export function isSavedModel (dir: string): boolean {
  return existsSync(join(dir, SAVED_MODEL_PB)) || existsSync(join(dir, 'saved_model.pbtxt'))
}

/** Reads the Keras model saved in `dir` (a directory holding saved_model.pb); every failure is one UsageError line. */
export async function readSavedModel (dir: string): Promise<LayersModelFiles> {
  const fail = (why: string): never => { throw new UsageError(`${dir}: ${why}`) }
  if (!isSavedModel(dir)) fail(`no ${SAVED_MODEL_PB}: not a TensorFlow SavedModel`)
  if (!existsSync(join(dir, KERAS_METADATA))) {
    fail(`a TensorFlow SavedModel without ${KERAS_METADATA} (saved by tf.saved_model.save from a tf.Module, or Keras 3's model.export): ` +
      'it holds a graph, not Keras layers that can train; save the Keras model with Keras 2\'s model.save(DIR) (tf_keras), or as HDF5 converted by `tensorflowjs_converter --input_format keras`')
  }
  let config: KerasModelConfig
  let bundle: TensorBundle
  let keys: Map<string, string>
  try {
    config = readKerasMetadata(readFileSync(join(dir, KERAS_METADATA)))
  } catch (error) {
    return fail(`${KERAS_METADATA} cannot be read: ${(error as Error).message}`)
  }
  if (!existsSync(join(dir, 'variables', 'variables.index'))) fail('variables/variables.index is missing: a SavedModel keeps its weights there')
  try {
    bundle = TensorBundle.open(join(dir, 'variables'))
    keys = variableKeys(bundle)
  } catch (error) {
    return fail(`the checkpoint under variables/ cannot be read: ${(error as Error).message}`)
  }
  const wanted = await modelWeights(dir, config)
  const weightSpecs: WeightSpec[] = []
  const parts: Uint8Array[] = []
  for (const { name, shape } of wanted) {
    const key = keys.get(name)
    const entry = key === undefined ? undefined : bundle.entries.get(key)
    if (key === undefined || entry === undefined) return fail(`the checkpoint under variables/ has no variable ${name}, which the Keras model's config needs`)
    if (entry.dtype !== DT_FLOAT) fail(`variable ${name} is ${entry.dtypeName}; TensorFlow.js LayersModels take float32 weights only (build the Keras model with dtype float32)`)
    if (entry.shape.join(',') !== shape.join(',')) fail(`variable ${name} has shape [${entry.shape.join(',')}], the Keras config builds [${shape.join(',')}]`)
    try {
      parts.push(bundle.bytes(key))
    } catch (error) {
      return fail(`the checkpoint under variables/ cannot be read: ${(error as Error).message}`)
    }
    weightSpecs.push({ name, shape, dtype: 'float32' })
  }
  return {
    path: dir,
    modelTopology: config.modelTopology,
    weightSpecs,
    weights: new Uint8Array(Buffer.concat(parts)),
    ...(config.kerasVersion !== undefined ? { generatedBy: `keras v${config.kerasVersion}` } : {}),
    convertedBy: null
  }
}

/** The weights tfjs' model of this config has, in its order: each one's name ("dense/kernel") and shape. */
async function modelWeights (dir: string, config: KerasModelConfig): Promise<Array<{ name: string, shape: number[] }>> {
  const { tf } = await loadBackend('cpu')
  let model
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: config.modelTopology }))
  } catch (error) {
    throw new UsageError(`${dir}: TensorFlow.js cannot build this Keras model: ${(error as Error).message.split('\n')[0]}`)
  }
  try {
    return model.weights.map(w => ({ name: w.originalName, shape: w.shape as number[] }))
  } finally {
    model.dispose()
  }
}
