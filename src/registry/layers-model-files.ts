// A TensorFlow.js LayersModel on disk: model.json (topology + weights manifest) and its binary
// weight shards, the format tfjs' `tf.loadLayersModel('file://…')` and the Python `tensorflowjs`
// converter both read and write (https://www.tensorflow.org/js/guide/save_load). Reading and
// writing it by hand keeps `models import/export` free of tfjs' file handlers, which only the
// optional native package (tfjs-node) has.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { UsageError } from '../errors.js'
import type { ModelSnapshot } from '../ml/protocol.js'

export type WeightSpec = ModelSnapshot['weightSpecs'][number] & { quantization?: { dtype: string } }

/** What a model.json and its shards hold, the shards concatenated in manifest order. */
export interface LayersModelFiles {
  /** The model.json read. */
  path: string
  modelTopology: object
  weightSpecs: WeightSpec[]
  weights: Uint8Array
  trainingConfig?: object
  userDefinedMetadata?: Record<string, unknown>
  /** model.json's own description of its origin (e.g. "keras v2.16.0", "TensorFlow.js Converter v4.22.0"). */
  generatedBy?: string
  convertedBy?: string | null
}

interface ModelJson {
  format?: string
  generatedBy?: string
  convertedBy?: string | null
  modelTopology?: unknown
  weightsManifest?: Array<{ paths?: unknown; weights?: unknown }>
  trainingConfig?: object
  userDefinedMetadata?: Record<string, unknown>
}

export const MODEL_JSON = 'model.json'
export const WEIGHTS_BIN = 'group1-shard1of1.bin'

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 }

/** Reads a LayersModel from a directory holding model.json, or from the model.json itself. */
export function readLayersModel (path: string): LayersModelFiles {
  const file = resolveModelJson(path)
  let json: ModelJson
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson
  } catch (error) {
    throw new UsageError(`${file} is not JSON (${(error as Error).message})`)
  }
  const topology = json.modelTopology as Record<string, unknown> | undefined
  // The converter writes format "graph-model" for graphs; an older GraphModel has only a GraphDef (node, versions).
  if (json.format === 'graph-model' || Array.isArray(topology?.node)) {
    throw new UsageError(`${file} is a TensorFlow.js GraphModel (an inference-only graph), not a LayersModel: convert the Keras model with \`tensorflowjs_converter --input_format keras --output_format tfjs_layers_model\``)
  }
  if (topology === undefined || topology === null || typeof topology !== 'object') throw new UsageError(`${file} has no modelTopology: not a TensorFlow.js LayersModel`)
  if (!Array.isArray(json.weightsManifest)) throw new UsageError(`${file} has no weightsManifest: not a TensorFlow.js LayersModel with weights`)
  const weightSpecs: WeightSpec[] = []
  const shards: Buffer[] = []
  for (const group of json.weightsManifest) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new UsageError(`${file}: a weightsManifest group lacks its paths or weights`)
    for (const shard of group.paths as string[]) {
      const shardPath = join(dirname(file), shard)
      if (!existsSync(shardPath)) throw new UsageError(`${shardPath} is missing: ${basename(file)}'s weightsManifest names it as a weights file`)
      shards.push(readFileSync(shardPath))
    }
    weightSpecs.push(...group.weights as WeightSpec[])
  }
  const weights = new Uint8Array(Buffer.concat(shards))
  const expected = weightSpecs.reduce((sum, spec) => {
    const bytes = tensorBytes(spec)
    if (bytes === undefined) throw new UsageError(`${file}: weight ${spec.name} has dtype ${spec.quantization?.dtype ?? spec.dtype}, which a LayersModel's weights file cannot hold`)
    return sum + bytes
  }, 0)
  if (expected !== weights.byteLength) throw new UsageError(`${file}: the weights files hold ${weights.byteLength} bytes, its weightsManifest describes ${expected}`)
  return {
    path: file,
    modelTopology: topology,
    weightSpecs,
    weights,
    ...(json.trainingConfig ? { trainingConfig: json.trainingConfig } : {}),
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy
  }
}

/** Writes model.json and one weights shard into `dir` (created if missing); returns model.json's path. */
export function writeLayersModel (dir: string, model: Omit<LayersModelFiles, 'path'>): string {
  mkdirSync(dir, { recursive: true })
  const json: ModelJson = {
    format: 'layers-model',
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy ?? null,
    modelTopology: model.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: model.weightSpecs }],
    ...(model.trainingConfig ? { trainingConfig: model.trainingConfig } : {}),
    ...(model.userDefinedMetadata ? { userDefinedMetadata: model.userDefinedMetadata } : {})
  }
  writeFileSync(join(dir, WEIGHTS_BIN), model.weights)
  const file = join(dir, MODEL_JSON)
  writeFileSync(file, JSON.stringify(json) + '\n')
  return file
}

function resolveModelJson (path: string): string {
  const full = resolve(path)
  if (!existsSync(full)) throw new UsageError(`${path} does not exist: give a TensorFlow.js LayersModel (a directory with model.json, or the model.json) or a Keras SavedModel directory`)
  if (!statSync(full).isDirectory()) {
    if (/\.(h5|hdf5|keras)$/i.test(full)) {
      throw new UsageError(`${path} is a Keras file: convert it first with \`tensorflowjs_converter --input_format keras ${path} OUT_DIR\` (HDF5 from Keras 2; Keras 3's .keras files convert wrongly, tensorflow/tfjs#8266) and import OUT_DIR`)
    }
    return full
  }
  const file = join(full, MODEL_JSON)
  if (existsSync(file)) return file
  throw new UsageError(`${path} has no ${MODEL_JSON} and no saved_model.pb: give a TensorFlow.js LayersModel (a directory with model.json, or the model.json) or a Keras SavedModel directory`)
}

/** Bytes one tensor takes in a weights file (quantised ones at their stored width); undefined for a dtype it cannot hold. */
export function tensorBytes (spec: WeightSpec): number | undefined {
  const size = BYTES[spec.quantization?.dtype ?? spec.dtype]
  return size === undefined || !Array.isArray(spec.shape) ? undefined : size * spec.shape.reduce((a, b) => a * b, 1)
}
