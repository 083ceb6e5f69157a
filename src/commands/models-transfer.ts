// `streamfit models import PATH` and `models export NAME@N DIR`: models trained elsewhere in,
// stored versions out, both as TensorFlow.js LayersModels (src/registry/import-model.ts, export-model.ts).
import type { Command } from 'commander'
import { exportModel } from '../registry/export-model.js'
import { prepareImport, readScalerFile, saveImport, SUSY_SHAPE, type ExpectedShape } from '../registry/import-model.js'
import type { ModelRegistry } from '../registry/registry.js'
import { parseModelRef } from '../registry/refs.js'

type WithRegistry = (fn: (registry: ModelRegistry) => Promise<void>) => Promise<void>

/**
 * The input width and output units an import must have. SUSY's until the dataset spec lands;
 * then `--spec FILE` supplies them here (its features' width and its task's output units).
 */
function expectedShape (): ExpectedShape {
  return SUSY_SHAPE
}

export function registerTransfer (models: Command, withRegistry: WithRegistry): void {
  models.command('import <path>')
    .description('store a TensorFlow.js LayersModel trained elsewhere (a directory with model.json and its weights, or the model.json; from Keras: tensorflowjs_converter --input_format keras MODEL.h5 DIR) as the newest version')
    .option('--name <model>', 'model name', 'susy')
    .option('--scaler <file>', 'JSON {"mean": [...], "std": [...]}: standardise the features before the model (default: none, or the scaler `models export` put in model.json)')
    .option('--json', 'one JSON line: ref, importedFrom, inputShape, outputShape, params, scaler')
    .action(async (path: string, flags: { name: string; scaler?: string; json?: boolean }) => {
      const name = parseModelRef(flags.name).name
      const expected = expectedShape()
      const scaler = flags.scaler === undefined ? undefined : readScalerFile(flags.scaler)
      // Checked before Redis is asked anything: a wrong file fails the same with the services down.
      const prepared = await prepareImport(path, { expected, scaler })
      await withRegistry(async registry => {
        const saved = await saveImport(registry, prepared, name)
        const line = { ref: saved.ref, importedFrom: saved.info.importedFrom, inputShape: [null, expected.inputs], outputShape: [null, expected.outputs], params: saved.params, scaler: saved.info.scaler }
        process.stdout.write(flags.json === true
          ? JSON.stringify(line) + '\n'
          : `imported ${String(line.importedFrom)} as ${saved.ref}: input [null,${expected.inputs}], output [null,${expected.outputs}], ${saved.params.toLocaleString('en')} weights, scaler ${String(line.scaler)}\n`)
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
