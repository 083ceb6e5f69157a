// `streamfit models import PATH` and `models export NAME@N DIR`: models trained elsewhere in,
// stored versions out, both as TensorFlow.js LayersModels (src/registry/import-model.ts, export-model.ts);
// a Keras SavedModel directory comes in as one too (src/registry/saved-model/).
import type { Command } from 'commander'
import { exportModel } from '../registry/export-model.js'
import { UsageError } from '../errors.js'
import { prepareImport, readScalerFile, saveImport } from '../registry/import-model.js'
import type { ModelRegistry } from '../registry/registry.js'
import { parseModelRef } from '../registry/refs.js'
import { isResolved, type ResolvedSpec } from '../spec/types.js'

type WithRegistry = (fn: (registry: ModelRegistry) => Promise<void>) => Promise<void>

/** --spec's spec, which must know its whole input width and output (vocabularies, classes). */
async function resolvedSpec (file: string | undefined): Promise<ResolvedSpec | undefined> {
  if (file === undefined) return undefined
  // Loaded when used: the YAML parser and the schema validator would slow every `models` command.
  const { readSpec } = await import('../spec/load-spec.js')
  const spec = await readSpec(file)
  if (!isResolved(spec)) {
    throw new UsageError(`--spec ${file}: its categories or classes are learnt from the train topic, so the model's input width and output are not known yet: list them in the spec (each categorical feature's vocabulary, the classes) to import a model for it`)
  }
  return spec
}

export function registerTransfer (models: Command, withRegistry: WithRegistry): void {
  models.command('import <path>')
    .description('store a model trained elsewhere as the newest version: a TensorFlow.js LayersModel (a directory with model.json and its weights, or the model.json; from Keras: tensorflowjs_converter --input_format keras MODEL.h5 DIR) or a Keras SavedModel directory (Keras 2\'s model.save(DIR): saved_model.pb, keras_metadata.pb, variables/); its input width, output units and output activation must fit the spec')
    // The wording of the other commands' --spec (commands/flags.ts, not imported: it loads the runtime).
    .option('--spec <file>', 'dataset spec (YAML or JSON, written by `streamfit init`): the model reads its records; default: the SUSY tutorial\'s')
    .option('--name <model>', 'model name (default: the spec\'s name, susy)')
    .option('--scaler <file>', 'JSON {"mean": [...], "std": [...]}: standardise the features before the model (default: none, or the scaler `models export` put in model.json)')
    .option('--json', 'one JSON line: ref, importedFrom, inputShape, outputShape, task, params, scaler, spec')
    .action(async (path: string, flags: { name?: string; spec?: string; scaler?: string; json?: boolean }) => {
      const spec = await resolvedSpec(flags.spec)
      const scaler = flags.scaler === undefined ? undefined : readScalerFile(flags.scaler)
      // Checked before Redis is asked anything: a wrong file fails the same with the services down.
      const prepared = await prepareImport(path, { spec, scaler })
      const name = parseModelRef(flags.name ?? prepared.snapshot.spec?.name ?? 'susy').name
      await withRegistry(async registry => {
        const saved = await saveImport(registry, prepared, name)
        const [input, output] = [prepared.inputShapes[0], prepared.outputShapes[0]]
        const line = { ref: saved.ref, importedFrom: saved.info.importedFrom, inputShape: input, outputShape: output, task: prepared.task, params: saved.params, scaler: saved.info.scaler, spec: saved.info.spec }
        process.stdout.write(flags.json === true
          ? JSON.stringify(line) + '\n'
          : `imported ${String(line.importedFrom)} as ${saved.ref}: input ${JSON.stringify(input)}, output ${JSON.stringify(output)} (${prepared.task}), ${saved.params.toLocaleString('en')} weights, scaler ${String(line.scaler)}, spec ${String(line.spec)}\n`)
      })
    })
  models.command('export <ref> <dir>')
    .description('write a stored version (susy@N, susy@latest) as a TensorFlow.js LayersModel: DIR/model.json and its weights, read by tf.loadLayersModel and the tensorflowjs converter')
    .option('--include-optimizer', 'keep the optimizer\'s state (tfjs then resumes training where it stopped; the converter to Keras does not take it)')
    .option('--json', 'one JSON line: ref, path, tensors, bytes, scaler')
    .action(async (ref: string, dir: string, flags: { includeOptimizer?: boolean; json?: boolean }) => {
      await withRegistry(async registry => {
        const result = await exportModel(registry, ref, dir, { includeOptimizer: flags.includeOptimizer === true })
        process.stdout.write(flags.json === true
          ? JSON.stringify(result) + '\n'
          : `exported ${result.ref} to ${result.path}: ${result.tensors} tensors, ${result.bytes.toLocaleString('en')} bytes` +
            (result.scaler ? '; the model expects standardised features: mean and std are in model.json\'s userDefinedMetadata.streamfit.scaler' : '') + '\n')
      })
    })
}
