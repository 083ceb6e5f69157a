// `streamfit models export NAME@N DIR`: a stored version as a TensorFlow.js LayersModel that
// `tf.loadLayersModel('file://DIR/model.json')` and the `tensorflowjs` converter
// (`--input_format tfjs_layers_model --output_format keras`) read back. The feature scaler, which
// streamfit applies before the model, goes in model.json's userDefinedMetadata (tfjs keeps it,
// other readers ignore it; `models import` restores it), since a LayersModel has no place for it;
// so do a regression model's label standardisation (target) and the dataset spec it reads.
import { createRequire } from 'node:module'
import type { ModelSnapshot } from '../ml/protocol.js'
import { tensorBytes, writeLayersModel, type WeightSpec } from './layers-model-files.js'
import type { ModelRegistry } from './registry.js'

export interface ExportResult {
  /** The version written ("susy@3", @latest resolved). */
  ref: string
  /** model.json's path. */
  path: string
  /** Weight tensors written (the optimizer's state left out unless asked for). */
  tensors: number
  bytes: number
  /** True when the model expects standardised features (the scaler is in userDefinedMetadata). */
  scaler: boolean
}

export interface ExportOptions {
  /** Keep the optimizer's state (Adam's moments): tfjs then resumes training where it stopped. */
  includeOptimizer?: boolean
}

const VERSION = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version

export async function exportModel (registry: ModelRegistry, ref: string, dir: string, { includeOptimizer = false }: ExportOptions = {}): Promise<ExportResult> {
  const stored = await registry.load(ref)
  const { weightSpecs, weights } = includeOptimizer ? stored.snapshot : modelWeightsOnly(stored.snapshot)
  const { scaler, target, spec } = stored.snapshot
  const path = writeLayersModel(dir, {
    generatedBy: `streamfit v${VERSION}`,
    convertedBy: null,
    modelTopology: stored.snapshot.topology,
    ...(stored.snapshot.trainingConfig ? { trainingConfig: stored.snapshot.trainingConfig } : {}),
    weightSpecs,
    weights,
    userDefinedMetadata: { streamfit: { model: stored.ref, createdAt: stored.createdAt, rows: stored.rows, epochs: stored.epochs, ...(scaler ? { scaler } : {}), ...(target ? { target } : {}), ...(spec ? { spec } : {}) } }
  })
  return { ref: stored.ref, path, tensors: weightSpecs.length, bytes: weights.byteLength, scaler: scaler !== undefined }
}

/** The model's own tensors: the optimizer's (group "optimizer", saved after them) dropped. */
export function modelWeightsOnly (snapshot: ModelSnapshot): { weightSpecs: WeightSpec[], weights: Uint8Array } {
  const specs: WeightSpec[] = []
  const parts: Uint8Array[] = []
  let at = 0
  for (const spec of snapshot.weightSpecs as WeightSpec[]) {
    const bytes = tensorBytes(spec)!
    if (spec.group !== 'optimizer') {
      specs.push(spec)
      parts.push(snapshot.weights.subarray(at, at + bytes))
    }
    at += bytes
  }
  return { weightSpecs: specs, weights: new Uint8Array(Buffer.concat(parts)) }
}
