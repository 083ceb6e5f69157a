// `streamfit models import`: a TensorFlow.js LayersModel trained elsewhere (Keras through the
// `tensorflowjs` converter, or tfjs itself), or a Keras SavedModel directory read as one
// (saved-model/saved-model-files.ts), becomes a registry version like any trained one, so
// `score` and `online` use it unchanged. Its weights are stored byte for byte as given; the model
// is built once with tfjs first, exactly as a scorer's worker will build it, so a file tfjs cannot
// load, or one of the wrong shape, fails here in one line instead of in every scorer.
import { readFileSync, statSync } from 'node:fs'
import { UsageError } from '../errors.js'
import { loadBackend } from '../ml/backend.js'
import { modelTask, SUSY_FEATURES, type ModelTask } from '../ml/model.js'
import type { ModelSnapshot } from '../ml/protocol.js'
import type { ScalerState } from '../ml/scaler.js'
import { inputWidth, outputUnits, type ResolvedSpec } from '../spec/types.js'
import { readLayersModel, type LayersModelFiles } from './layers-model-files.js'
import type { ModelRegistry } from './registry.js'
import { isSavedModel, readSavedModel } from './saved-model/saved-model-files.js'
import type { VersionInfo } from './version.js'

/** The input width and output units the data set's rows and predictions need, and what the output means. */
export interface ExpectedShape {
  inputs: number
  outputs: number
  /**
   * How streamfit will read the output (src/ml/model.ts, modelTask: more than one unit is
   * multiclass, one sigmoid unit binary, any other single unit regression); absent: not checked.
   */
  task?: ModelTask
}

/** SUSY's, the default: 18 features in, one sigmoid probability out. */
export const SUSY_SHAPE: ExpectedShape = { inputs: SUSY_FEATURES, outputs: 1, task: 'binary' }

/** What a dataset spec's model takes and gives. */
export function expectedFor (spec: ResolvedSpec): ExpectedShape {
  return { inputs: inputWidth(spec), outputs: outputUnits(spec), task: spec.task.type }
}

/** The `backend` a stored import names: no streamfit backend trained it. */
export const IMPORTED_BACKEND = 'imported'

export interface ImportOptions {
  /** Registry model name (default "susy"). */
  name?: string
  /**
   * The data set the model reads, stored with it so scorers decode its records; also sets the
   * expected shape. Default: the spec streamfit's export put in model.json, else SUSY's layout.
   */
  spec?: ResolvedSpec
  /** Default: the spec's (expectedFor), else SUSY_SHAPE. */
  expected?: ExpectedShape
  /** Standardisation to apply before the model; else the one streamfit's export put in model.json, else none. */
  scaler?: ScalerState
}

export interface PreparedImport {
  snapshot: ModelSnapshot
  info: Record<string, unknown>
  /** The model's shapes as tfjs built them, e.g. [[null, 18]] and [[null, 1]]. */
  inputShapes: Array<Array<number | null>>
  outputShapes: Array<Array<number | null>>
  /** How streamfit reads its output, and its last layer's activation. */
  task: ModelTask
  activation: string
}

/** Reads, builds and checks a LayersModel; nothing is stored. */
export async function prepareImport (path: string, options: Omit<ImportOptions, 'name'> = {}): Promise<PreparedImport> {
  const savedModel = isDirectory(path) && isSavedModel(path)
  const files = savedModel ? await readSavedModel(path) : readLayersModel(path)
  const exported = exportedMetadata(files)
  const spec = options.spec ?? exported.spec
  const expected = options.expected ?? (spec !== undefined ? expectedFor(spec) : SUSY_SHAPE)
  const built = await buildModel(files)
  checkShapes(files.path, built.inputShapes, built.outputShapes, expected)
  if (expected.task !== undefined) checkTask(files.path, built, expected.task)
  const { scaler } = options
  const stored = scaler ?? exported.scaler
  if (stored !== undefined) checkScaler(stored, expected.inputs, scaler !== undefined ? 'the scaler given' : `${files.path}'s userDefinedMetadata.streamfit.scaler`)
  // A regression model streamfit trained predicts a standardised label: its export says how to undo it.
  const target = built.task === 'regression' ? exported.target : undefined
  return {
    snapshot: {
      topology: files.modelTopology,
      ...(files.trainingConfig ? { trainingConfig: files.trainingConfig } : {}),
      weightSpecs: files.weightSpecs,
      weights: files.weights,
      ...(stored !== undefined ? { scaler: stored } : {}),
      ...(target !== undefined ? { target } : {}),
      ...(spec !== undefined ? { spec } : {})
    },
    info: {
      importedFrom: files.path,
      format: savedModel ? 'keras-saved-model' : 'tfjs-layers-model',
      ...(files.generatedBy !== undefined ? { generatedBy: files.generatedBy } : {}),
      ...(files.convertedBy ? { convertedBy: files.convertedBy } : {}),
      scaler: stored === undefined ? 'none' : scaler !== undefined ? 'given' : 'from model.json',
      spec: spec === undefined ? 'none' : options.spec !== undefined ? 'given' : 'from model.json'
    },
    ...built
  }
}

function isDirectory (path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** Imports `path` as the newest version of `options.name` (default: its spec's name, else "susy"). */
export async function importModel (registry: ModelRegistry, path: string, options: ImportOptions = {}): Promise<VersionInfo> {
  return await saveImport(registry, await prepareImport(path, options), options.name)
}

/** Stores a prepared import: rows 0, epochs 0, info.importedFrom naming the model.json. */
export async function saveImport (registry: ModelRegistry, prepared: PreparedImport, name = prepared.snapshot.spec?.name): Promise<VersionInfo> {
  return await registry.save({ name, snapshot: prepared.snapshot, backend: IMPORTED_BACKEND, rows: 0, epochs: 0, info: prepared.info })
}

/** One line naming both shapes when the model's do not match the expected ones. */
export function checkShapes (file: string, inputs: Array<Array<number | null>>, outputs: Array<Array<number | null>>, expected: ExpectedShape): void {
  const want = { in: [null, expected.inputs], out: [null, expected.outputs] }
  const fits = (shapes: Array<Array<number | null>>, target: Array<number | null>): boolean =>
    shapes.length === 1 && shapes[0].length === 2 && shapes[0][1] === target[1]
  if (fits(inputs, want.in) && fits(outputs, want.out)) return
  throw new UsageError(`${file}: the model takes ${shapesText(inputs)} and gives ${shapesText(outputs)}; ` +
    `expected ${shapeText(want.in)} in (${expected.inputs} feature columns) and ${shapeText(want.out)} out (${expected.outputs} output unit${expected.outputs === 1 ? '' : 's'})`)
}

/** One line when streamfit would read the model's output as another task than the expected one. */
export function checkTask (file: string, model: { task: ModelTask, activation: string, outputShapes: Array<Array<number | null>> }, expected: ModelTask): void {
  // Class probabilities need a softmax: streamfit reads several units as probabilities whatever they are.
  if (model.task === expected && (expected !== 'multiclass' || model.activation === 'softmax')) return
  const units = model.outputShapes[0]?.[1] ?? 1
  const needs = { binary: 'one sigmoid unit (a model trained on logits needs its sigmoid added)', multiclass: 'one softmax unit per class', regression: 'one linear unit' }[expected]
  throw new UsageError(`${file}: the model ends in ${units} ${model.activation} unit${units === 1 ? '' : 's'}, which streamfit reads as ${{ binary: 'a probability', multiclass: 'class probabilities', regression: 'a regression value' }[model.task]}; the task is ${expected}: it needs ${needs}`)
}

/** Reads a scaler file: JSON {mean: number[], std: number[], rows?: number}. */
export function readScalerFile (file: string): ScalerState {
  let state: Partial<ScalerState>
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as Partial<ScalerState>
  } catch (error) {
    throw new UsageError(`--scaler ${file}: ${(error as Error).message}`)
  }
  return { mean: state.mean as number[], std: state.std as number[], rows: typeof state.rows === 'number' ? state.rows : 0 }
}

async function buildModel (files: LayersModelFiles): Promise<Pick<PreparedImport, 'inputShapes' | 'outputShapes' | 'task' | 'activation'>> {
  // The pure-JS kernels: building a model needs no speed, and every install has them.
  const { tf } = await loadBackend('cpu')
  const weightData = files.weights.buffer.slice(files.weights.byteOffset, files.weights.byteOffset + files.weights.byteLength)
  let model
  try {
    // The same artifacts the scorer's worker hands tfjs (src/ml/worker.ts, loadSnapshot).
    model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: files.modelTopology,
      weightSpecs: files.weightSpecs as never,
      weightData: weightData as ArrayBuffer,
      trainingConfig: files.trainingConfig as never
    }))
  } catch (error) {
    throw new UsageError(`${files.path}: TensorFlow.js cannot build this LayersModel: ${(error as Error).message.split('\n')[0]}`)
  }
  try {
    return {
      inputShapes: model.inputs.map(t => [...t.shape]),
      outputShapes: model.outputs.map(t => [...t.shape]),
      // The worker's own reading of the output (src/ml/worker.ts calls the same function).
      task: modelTask(model).task,
      activation: lastActivation(model.layers.at(-1))
    }
  } finally {
    model.dispose()
  }
}

/** The last layer's activation; a Keras Softmax layer (rather than a Dense's activation) counts as softmax. */
function lastActivation (layer: { getClassName (): string, getConfig (): object } | undefined): string {
  if (layer === undefined) return 'linear'
  return layer.getClassName() === 'Softmax' ? 'softmax' : String((layer.getConfig() as { activation?: string }).activation ?? 'linear')
}

/** What streamfit's export put in userDefinedMetadata.streamfit (nothing, for a model from elsewhere). */
function exportedMetadata (files: LayersModelFiles): { scaler?: ScalerState, target?: ScalerState, spec?: ResolvedSpec } {
  return (files.userDefinedMetadata?.streamfit ?? {}) as { scaler?: ScalerState, target?: ScalerState, spec?: ResolvedSpec }
}

function checkScaler (state: ScalerState, inputs: number, what: string): void {
  const ok = (xs: unknown): boolean => Array.isArray(xs) && xs.length === inputs && xs.every(x => typeof x === 'number' && Number.isFinite(x))
  if (!ok(state.mean) || !ok(state.std) || state.std.some(s => s <= 0)) {
    throw new UsageError(`${what} needs "mean" and "std": ${inputs} finite numbers each, every std > 0`)
  }
}

function shapeText (shape: Array<number | null>): string {
  return `[${shape.map(d => d === null ? 'null' : String(d)).join(',')}]`
}

function shapesText (shapes: Array<Array<number | null>>): string {
  return shapes.length === 1 ? shapeText(shapes[0]) : `${shapes.length} tensors ${shapes.map(shapeText).join(' ')}`
}
