// `streamfit train`: fits the SUSY model from the train topic (topologies/train.ts), saves a
// version to the registry and writes a plot of loss and accuracy per epoch.
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { parseNumber, type Config } from '../config.js'
import { UsageError } from '../errors.js'
import { requireKafka } from '../infra/probe.js'
import { withAdmin } from '../kafka/admin.js'
import { parseBackend, type BackendPreference } from '../ml/backend.js'
import { JS_TWIN_MAX_WEIGHTS, jsMaxWeightsFor } from '../ml/js-twin.js'
import type { EpochProgress } from '../ml/epoch-meter.js'
import { SUSY_MODEL } from '../ml/model.js'
import { defaultDropout } from '../spec/model.js'
import { ModelRunner } from '../ml/runner.js'
import { ModelRegistry } from '../registry/registry.js'
import { parseModelRef } from '../registry/refs.js'
import { runApp } from '../runtime/app.js'
import { timing } from './figures.js'
import { metrics } from '../runtime/metrics.js'
import { setTaskFigures } from '../runtime/task-gauges.js'
import { backendFlag, registerApp, seedFlag, specFlag } from './flags.js'
import { susySpec } from '../spec/susy.js'
import { kerasFigures, prefixedFigures, validationFigures } from '../ml/validation-figures.js'
import type { DatasetSpec, MlpModel } from '../spec/types.js'
import { runTrain, trainDefaults, trainTopology, type TrainEpoch, type TrainInput, type TrainOptions, type TrainResult, type TrainSettings } from '../../topologies/train.js'
import { keptEpoch, plotTraining, saveTrained, trainHistory } from '../../topologies/train-result.js'
import { jsonHelp, TRAIN_JSON } from './json-fields.js'

interface TrainFlags {
  epochs?: string
  spec?: string
  validationFraction: string
  patience: string
  reduceLrPatience: string
  dropout?: string
  weightAverage: string
  learningRate?: string
  from?: string
  batchSize?: string
  shuffleBuffer: string
  backend: string
  seed?: string
  standardize: boolean
  cache?: boolean
  name?: string
  plot?: string
  json?: boolean
  metricsPort?: string
  metricsHost?: string
  logLevel?: string
}

export function declareFlags (command: Command): Command {
  const d = trainDefaults
  command
    .option('--epochs <n>', `most passes over the train topic (fewer when --patience stops early); default the spec's model.epochs, else ${d.epochs}`)
    .option('--validation-fraction <f>', 'share of the train topic held out for validation (by a hash of offset and seed: the same rows every epoch); 0 trains on all', String(d.validationFraction))
    .option('--patience <n>', 'stop when validation loss has not improved for N epochs and keep the best epoch\'s weights; 0 runs every epoch', String(d.patience))
    .option('--reduce-lr-patience <n>', 'halve the learning rate when validation loss has not improved for N epochs; 0 never', String(d.reduceLrPatience))
    .option('--dropout <rates>', `dropout after each hidden layer of a new model, comma-separated (the tutorial's: 0.2,0.4,0.4); default the spec's model.dropout, else ${d.dropout.join(',')}`)
    .option('--weight-average <decay>', 'validate and save a moving average of the weights with this decay per step; 0 keeps the weights as trained (the tutorial)', String(d.weightAverage))
    .option('--learning-rate <lr>', 'Adam learning rate (default 0.001, or the stored one with --from)')
    .option('--from <ref>', 'continue a stored version (susy@N, susy@latest): its weights, optimiser state, scaler and hold-out; saved as a new version naming it as parent')
    .option('--batch-size <n>', `rows per gradient step; default the spec's model.batchSize, else ${d.batchSize}`)
    .option('--shuffle-buffer <n>', 'records in the shuffle buffer (1 keeps Kafka order)', String(d.shuffleBuffer))
  seedFlag(backendFlag(specFlag(command), undefined, `plain JavaScript for a model under ${JS_TWIN_MAX_WEIGHTS.toLocaleString('en')} weights of Dense layers, else the first that loads of gpu, node, wasm, cpu`))
    .option('--no-standardize', 'do not standardise features (by default mean/std are learnt in the first epoch and stored with the model)')
    .option('--cache', 'keep the first epoch\'s records in memory instead of re-reading Kafka each epoch')
    .option('--name <model>', 'registry name of the model (default the spec\'s name: susy)')
    .option('--plot <file.svg>', 'where to write the loss/accuracy plot (default <state dir>/plots/<model>@<version>.svg)')
  return command.option('--json', jsonHelp('end with one JSON line', TRAIN_JSON))
}

/** The topology the flags describe (and run). */
export function topologyInput (flags: TrainFlags, config: Config, spec: DatasetSpec = susySpec(config)): TrainInput {
  const validationFraction = parseFraction('--validation-fraction', flags.validationFraction)
  const mlp: Omit<MlpModel, 'type'> = spec.model.type === 'mlp' ? spec.model : {}
  const hidden = mlp.hidden ?? SUSY_MODEL.hidden
  const name = flags.name ?? spec.name
  return {
    topic: config.topics.train,
    dlqTopic: config.topics.dlq,
    spec,
    epochs: flags.epochs !== undefined ? parseNumber('--epochs', flags.epochs, { min: 1 }) : mlp.epochs ?? trainDefaults.epochs,
    validationFraction,
    patience: parseNumber('--patience', flags.patience, { min: 0 }),
    reduceLrPatience: parseNumber('--reduce-lr-patience', flags.reduceLrPatience, { min: 0 }),
    dropout: flags.dropout !== undefined ? parseDropout(flags.dropout, hidden.length) : mlp.dropout ?? defaultDropout(hidden.length),
    weightAverage: parseFraction('--weight-average', flags.weightAverage),
    ...(flags.learningRate !== undefined ? { learningRate: parseNumber('--learning-rate', flags.learningRate, { integer: false, min: 0 }) } : {}),
    batchSize: flags.batchSize !== undefined ? parseNumber('--batch-size', flags.batchSize, { min: 1 }) : mlp.batchSize ?? trainDefaults.batchSize,
    shuffleBuffer: parseNumber('--shuffle-buffer', flags.shuffleBuffer, { min: 1 }),
    standardize: flags.standardize,
    cache: flags.cache === true,
    // --from susy@3 saves under the parent's name unless --name says otherwise.
    model: parseModelRef(flags.from !== undefined && flags.name === undefined ? flags.from : name).name,
    ...(flags.from !== undefined ? { from: flags.from } : {})
  }
}

/** A number from 0 to below 1. */
function parseFraction (flag: string, text: string): number {
  const value = parseNumber(flag, text, { integer: false, min: 0 })
  if (value >= 1) throw new UsageError(`${flag} expects a number from 0 to below 1, got "${text}"`)
  return value
}

/** One rate per hidden layer of the model, each from 0 to below 1. */
function parseDropout (text: string, layers: number): number[] {
  const rates = text.split(',').map(part => parseFraction('--dropout', part.trim()))
  if (rates.length !== layers) throw new UsageError(`--dropout expects ${layers} comma-separated rates (one per hidden layer), got "${text}"`)
  return rates
}

export const topology = trainTopology

export function register (program: Command): void {
  const description = 'train the SUSY model from the train topic (each epoch a fresh read), save a version to the registry, plot the curves'
  registerApp(program, description, { declareFlags, topologyInput, topology }, async ({ flags, config, settings, app }) => {
    const backend = parseBackend(flags.backend)
    // Chosen here when not given, so that the stored version records how to reproduce it.
    const seed = flags.seed !== undefined ? parseNumber('--seed', flags.seed, { min: 0 }) : Math.floor(Math.random() * 2 ** 31)
    // Fail on an unreachable Kafka or Redis, or a missing topic, before spending minutes training.
    await requireKafka(config)
    const known = await withAdmin(config.kafka, admin => admin.listTopics())
    if (!known.includes(settings.topic)) throw new UsageError(`topic ${settings.topic} does not exist: load data first (streamfit load)`)
    const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix: config.registryPrefix })
    try {
      const parent = settings.from !== undefined ? await continuation(registry, settings.from, { backend, seed }) : undefined
      const json = flags.json === true
      const progress = json ? quietProgress : process.stderr.isTTY === true ? await barProgress(settings.epochs) : lineProgress(settings.epochs)
      const result = await runApp('train', app, async ({ signal }) => {
        return runTrain({
          ...settings,
          kafka: config.kafka,
          backend,
          seed,
          ...(parent !== undefined ? { runner: parent.runner, holdoutSeed: parent.holdoutSeed } : {}),
          signal,
          ...trainMetrics(settings, progress)
        })
      })
      progress.stop()
      if (result === undefined) { await parent?.runner.close(); return }
      try {
        const run = { ...settings, seed, parent: parent?.ref ?? null, holdoutSeed: parent?.holdoutSeed ?? seed }
        const saved = await saveTrained(registry, result, run)
        metrics.modelVersion.set({ app: 'train', model: settings.model }, saved.version)
        const plot = await plotTraining(resolve(flags.plot ?? `${config.stateDir}/plots/${saved.ref}.svg`), result, saved.ref, run)
        process.stdout.write(json ? JSON.stringify(trainSummary(result, saved.ref, run.parent, plot)) + '\n' : formatResult(result, saved.ref, run.parent, plot))
      } finally {
        await result.runner.close()
      }
    } finally {
      await registry.close()
    }
  })
}

/** The callbacks of a run: the dashboard's metrics and the progress shown. */
function trainMetrics (settings: TrainSettings, progress: Progress): Pick<TrainOptions, 'onStart' | 'onStep' | 'onEpoch'> {
  let rowsSeen = 0 // rows of the running epoch already counted in streamfit_records_in_total
  return {
    onStart: (backend, skipped) => {
      metrics.trainingEpochs.set({ app: 'train' }, settings.epochs)
      progress.start(backend, skipped)
    },
    onStep: (p, total) => {
      // Rows read and the epoch's fraction done feed the dashboard's throughput and progress.
      metrics.recordsIn.inc({ app: 'train', topic: settings.topic }, p.rows - rowsSeen)
      rowsSeen = p.rows
      metrics.trainingEpoch.set({ app: 'train' }, p.epoch - 1 + Math.min(1, p.step / Math.max(1, total)))
      // The running epoch's figures, so the dashboard's curves move within an epoch.
      metrics.epochLoss.set({ app: 'train' }, p.loss)
      metrics.epochAccuracy.set({ app: 'train' }, p.accuracy)
      progress.step(p, total)
    },
    onEpoch: p => {
      rowsSeen = 0
      metrics.trainingEpoch.set({ app: 'train' }, p.epoch)
      progress.epoch(p)
      metrics.trainingLoss.set({ app: 'train' }, p.loss)
      metrics.trainingAccuracy.set({ app: 'train' }, p.accuracy)
      if (p.validation !== undefined) setTaskFigures('train', p.validation)
    }
  }
}

/** `--from`: the stored version in a runner, and the seed of its hold-out (to validate on the same rows). */
async function continuation (registry: ModelRegistry, ref: string, options: { backend: BackendPreference; seed: number }): Promise<{ runner: ModelRunner; ref: string; holdoutSeed: number }> {
  const stored = await registry.load(ref)
  const validation = stored.info.validation as { seed?: number } | undefined
  const runner = await ModelRunner.create({ backend: options.backend, seed: options.seed, snapshot: stored.snapshot, version: stored.ref, jsMaxWeights: jsMaxWeightsFor(options.backend) })
  return { runner, ref: stored.ref, holdoutSeed: typeof validation?.seed === 'number' ? validation.seed : options.seed }
}

/** The --json line. */
export function trainSummary (result: TrainResult, model: string, parent: string | null, plot: string): Record<string, unknown> {
  const kept = keptEpoch(result)
  const val = kept.validation
  return {
    epochs: result.epochs.length,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    loss: round4(kept.loss),
    ...(Number.isNaN(kept.accuracy) ? {} : { accuracy: round4(kept.accuracy) }),
    ...(val !== undefined ? { ...prefixedFigures('val', val, round4), validationRows: result.validationRows } : {}),
    parent,
    history: trainHistory(result),
    rowsPerSecond: Math.round(result.rowsPerSecond),
    backend: result.runner.compute,
    model,
    rows: result.rows,
    ...timing(result.seconds, result.epochs.reduce((s, e) => s + e.seconds, 0)),
    deadLettered: result.deadLettered,
    plot
  }
}

function formatResult (result: TrainResult, model: string, parent: string | null, plot: string): string {
  const kept = keptEpoch(result)
  const val = kept.validation
  return `saved ${model}${parent !== null ? ` (from ${parent})` : ''}: ${result.epochs.length} epochs over ${result.rows.toLocaleString('en-US')} rows, ` +
    `${result.stoppedEarly ? `stopped early, weights of epoch ${result.bestEpoch}, ` : ''}` +
    `loss ${kept.loss.toFixed(4)}${accuracyText(kept.accuracy, ', accuracy ')}` +
    `${val !== undefined ? `, validation (${result.validationRows} rows) ${validationFigures(val).map(f => `${f.label} ${f.value.toFixed(4)}`).join(', ')}` : ''}` +
    `, ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s on ${result.runner.compute}` +
    `${result.interrupted ? ' (interrupted)' : ''}\nplot: ${plot}\n`
}

interface Progress {
  start (backend: string, skipped: string[]): void
  step (p: EpochProgress, totalSteps: number | undefined): void
  epoch (p: TrainEpoch): void
  stop (): void
}

function backendLine (backend: string, skipped: string[]): string {
  return `backend: ${backend}${skipped.length > 0 ? ` (${skipped.join('; ')})` : ''}\n`
}

const quietProgress: Progress = {
  start: (backend, skipped) => { process.stderr.write(backendLine(backend, skipped)) },
  step: () => {},
  epoch: () => {},
  stop: () => {}
}

/** Not a terminal: one line per epoch, like Keras' verbose=2. */
function lineProgress (epochs: number): Progress {
  return {
    ...quietProgress,
    epoch: p => { process.stdout.write(`Epoch ${p.epoch}/${epochs} - ${p.step} steps - ${p.seconds.toFixed(1)}s - loss: ${p.loss.toFixed(4)}${accuracyText(p.accuracy, ' - accuracy: ')}${validationText(p, ' - ')} - ${Math.round(p.rowsPerSecond)} rows/s\n`) }
  }
}

/** A terminal: a Keras-like bar per epoch on stderr (step, loss, accuracy, rows/s). */
async function barProgress (epochs: number): Promise<Progress> {
  const { SingleBar } = await import('cli-progress')
  let bar: InstanceType<typeof SingleBar> | null = null
  let current = 0
  const format = (epoch: number): string => `Epoch ${String(epoch).padStart(String(epochs).length)}/${epochs} {bar} {value}/{total} | loss: {loss} | accuracy: {accuracy} | {rps} rows/s | {duration_formatted}`
  return {
    start: (backend, skipped) => { process.stderr.write(backendLine(backend, skipped)) },
    step (p, total) {
      if (current !== p.epoch) {
        bar?.stop()
        current = p.epoch
        bar = new SingleBar({ format: format(p.epoch), stream: process.stderr, hideCursor: true, barCompleteChar: '=', barIncompleteChar: '.', barsize: 30 })
        bar.start(total ?? p.step, 0, { loss: '-', accuracy: '-', rps: 0 })
      }
      if (total === undefined && bar !== null && bar.getTotal() < p.step) bar.setTotal(p.step)
      bar?.update(p.step, { loss: p.loss.toFixed(4), accuracy: Number.isNaN(p.accuracy) ? '-' : p.accuracy.toFixed(4), rps: Math.round(p.rowsPerSecond) })
    },
    epoch (p) {
      bar?.setTotal(p.step)
      bar?.update(p.step)
      bar?.stop()
      if (p.validation !== undefined) process.stderr.write(`          ${validationText(p, ' | ').slice(3)}\n`)
      bar = null
    },
    stop () { bar?.stop() }
  }
}

/** A classifier's training accuracy after `label`; nothing for regression, which has none (NaN). */
function accuracyText (accuracy: number, label: string): string {
  return Number.isNaN(accuracy) ? '' : `${label}${accuracy.toFixed(4)}`
}

/** Keras' val_ figures, as " - val_loss: … - val_accuracy: … - val_auc: …". */
function validationText (p: TrainEpoch, sep: string): string {
  const v = p.validation
  return v === undefined ? '' : `${sep}${kerasFigures(v, sep)}`
}

function round4 (n: number): number {
  return Math.round(n * 10000) / 10000
}
