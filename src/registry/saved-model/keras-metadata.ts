// `keras_metadata.pb`, which Keras 2 (tf.keras, tf_keras) writes beside a SavedModel: a SavedMetadata
// message, one node per saved Keras object (node_id, node_path "root" or "root.layer-0", identifier
// "_tf_keras_sequential", metadata: a JSON string). The root node's JSON holds the model's
// class_name and config (and its training_config when compiled): the same config an HDF5 file
// stores, which tfjs rebuilds layer by layer. A SavedModel without this file was not written by
// Keras 2's model.save (tf.saved_model.save of a tf.Module, Keras 3's model.export): only its graph
// is left, and a graph cannot be rebuilt into layers that train.
import { fields, text } from './protobuf.js'

/** The root identifiers of a Keras model (a layer or a metric saved alone is not one). */
const MODELS = new Set(['_tf_keras_sequential', '_tf_keras_network', '_tf_keras_model'])

export class MetadataError extends Error {}

export interface KerasModelConfig {
  /** As the tensorflowjs converter writes an HDF5 model's: {keras_version, backend, model_config, training_config?}. */
  modelTopology: { keras_version?: string, backend?: string, model_config: { class_name: string, config: unknown }, training_config?: unknown }
  kerasVersion?: string
}

export function readKerasMetadata (bytes: Uint8Array): KerasModelConfig {
  let root: { identifier: string, metadata: string } | undefined
  for (const node of fields(bytes)) {
    if (node.field !== 1) continue
    let path = ''
    let identifier = ''
    let metadata = ''
    for (const f of fields(node.bytes)) {
      if (f.field === 3) path = text(f.bytes)
      else if (f.field === 4) identifier = text(f.bytes)
      else if (f.field === 5) metadata = text(f.bytes)
    }
    if (path === 'root') root = { identifier, metadata }
  }
  if (root === undefined) throw new MetadataError('keras_metadata.pb has no root object')
  if (!MODELS.has(root.identifier)) throw new MetadataError(`keras_metadata.pb's root is a ${root.identifier.replace(/^_tf_keras_/, 'Keras ')}, not a Keras model`)
  let json: Record<string, unknown>
  try {
    json = JSON.parse(root.metadata) as Record<string, unknown>
  } catch (error) {
    throw new MetadataError(`keras_metadata.pb's root metadata is not JSON (${(error as Error).message})`)
  }
  if (typeof json.class_name !== 'string' || json.config === undefined) throw new MetadataError('keras_metadata.pb\'s root has no model class_name and config')
  const kerasVersion = typeof json.keras_version === 'string' ? json.keras_version : undefined
  return {
    modelTopology: {
      ...(kerasVersion !== undefined ? { keras_version: kerasVersion } : {}),
      ...(typeof json.backend === 'string' ? { backend: json.backend } : {}),
      model_config: { class_name: json.class_name, config: plainJson(json.config) },
      ...(json.training_config !== undefined && json.training_config !== null ? { training_config: plainJson(json.training_config) } : {})
    },
    ...(kerasVersion !== undefined ? { kerasVersion } : {})
  }
}

/**
 * The SavedModel's JSON marks tuples and shapes ({"class_name": "__tuple__", "items": [...]}) where
 * an HDF5 config has plain lists, which is what tfjs reads: unwrapped here, as Keras' own decoder does.
 */
export function plainJson (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainJson)
  if (value === null || typeof value !== 'object') return value
  const object = value as Record<string, unknown>
  if ((object.class_name === '__tuple__' || object.class_name === 'TensorShape') && Array.isArray(object.items)) return object.items.map(plainJson)
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, plainJson(v)]))
}
