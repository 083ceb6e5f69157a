// `streamfit train`: fits the SUSY model from the train topic (topologies/train.ts), saves a
// version to the registry and writes a plot of loss and accuracy per epoch.
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { loadConfig, parseNumber } from '../config.js'
import { UsageError } from '../errors.js'
import { requireKafka } from '../infra/probe.js'
import { withAdmin } from '../kafka/admin.js'
import { parseBackend } from '../ml/backend.js'
import type { EpochProgress } from '../ml/epoch-meter.js'
import { writeTrainingPlot } from '../plot/training-plot.js'
import { ModelRegistry } from '../registry/registry.js'
import { parseModelRef } from '../registry/refs.js'
import { appOptions, runApp, withAppOptions } from '../runtime/app.js'
import { metrics } from '../runtime/metrics.js'
import { describe, runTrain, trainDefaults, type TrainResult } from '../../topologies/train.js'

interface TrainFlags {
  epochs: string
  batchSize: string
  shuffleBuffer: string
  backend: string
  seed?: string
  standardize: boolean
  cache?: boolean
  name: string
  plot?: string
  json?: boolean
  metricsPort?: string
  metricsHost?: string
  logLevel?: string
}

export function register (program: Command): void {
  const command = program
    .command('train')
    .description('train the SUSY model from the train topic (each epoch a fresh read), save a version to the registry, plot the curves')
    .option('--epochs <n>', 'passes over the train topic', String(trainDefaults.epochs))
    .option('--batch-size <n>', 'rows per gradient step', String(trainDefaults.batchSize))
    .option('--shuffle-buffer <n>', 'records in the shuffle buffer (1 keeps Kafka order)', String(trainDefaults.shuffleBuffer))
    .option('--backend <name>', 'auto, gpu, node, wasm or cpu', 'auto')
    .option('--seed <n>', 'seed for initial weights, dropout and shuffles (reproducible runs)')
    .option('--no-standardize', 'do not standardise features (by default mean/std are learnt in the first epoch and stored with the model)')
    .option('--cache', 'keep the first epoch\'s records in memory instead of re-reading Kafka each epoch')
    .option('--name <model>', 'registry name of the model', 'susy')
    .option('--plot <file.svg>', 'where to write the loss/accuracy plot (default <state dir>/plots/<model>@<version>.svg)')
    .option('--json', 'end with one JSON line: epochs, loss, accuracy, rowsPerSecond, backend, model')
  withAppOptions(command).action(async (flags: TrainFlags) => {
    const config = loadConfig()
    const json = flags.json === true
    const name = parseModelRef(flags.name).name
    const options = {
      kafka: config.kafka,
      topic: config.topics.train,
      dlqTopic: config.topics.dlq,
      epochs: parseNumber('--epochs', flags.epochs, { min: 1 }),
      batchSize: parseNumber('--batch-size', flags.batchSize, { min: 1 }),
      shuffleBuffer: parseNumber('--shuffle-buffer', flags.shuffleBuffer, { min: 1 }),
      backend: parseBackend(flags.backend),
      standardize: flags.standardize,
      cache: flags.cache === true,
      // Chosen here when not given, so that the stored version records how to reproduce it.
      seed: flags.seed !== undefined ? parseNumber('--seed', flags.seed, { min: 0 }) : Math.floor(Math.random() * 2 ** 31)
    }
    // Fail on an unreachable Kafka or Redis, or a missing topic, before spending minutes training.
    await requireKafka(config)
    const known = await withAdmin(config.kafka, admin => admin.listTopics())
    if (!known.includes(options.topic)) throw new UsageError(`topic ${options.topic} does not exist: load data first (streamfit load)`)
    const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix: config.registryPrefix })
    try {
      const progress = json ? quietProgress : process.stderr.isTTY === true ? await barProgress(options.epochs) : lineProgress(options.epochs)
      let rowsSeen = 0 // rows of the running epoch already counted in streamfit_records_in_total
      const result = await runApp('train', { ...appOptions(flags), config, topology: describe(config) }, async ({ signal }) => {
        return runTrain({
          ...options,
          signal,
          onStart: (backend, skipped) => {
            metrics.trainingEpochs.set({ app: 'train' }, options.epochs)
            progress.start(backend, skipped)
          },
          onStep: (p, total) => {
            // Rows read and the epoch's fraction done feed the dashboard's throughput and progress.
            metrics.recordsIn.inc({ app: 'train', topic: options.topic }, p.rows - rowsSeen)
            rowsSeen = p.rows
            metrics.trainingEpoch.set({ app: 'train' }, p.epoch - 1 + Math.min(1, p.step / Math.max(1, total)))
            progress.step(p, total)
          },
          onEpoch: p => {
            rowsSeen = 0
            metrics.trainingEpoch.set({ app: 'train' }, p.epoch)
            progress.epoch(p)
            metrics.trainingLoss.set({ app: 'train' }, p.loss)
            metrics.trainingAccuracy.set({ app: 'train' }, p.accuracy)
          }
        })
      })
      progress.stop()
      if (result === undefined) return
      try {
        await finish(result, { registry, name, flags, options, stateDir: config.stateDir })
      } finally {
        await result.runner.close()
      }
    } finally {
      await registry.close()
    }
  })
}

async function finish (result: TrainResult, ctx: { registry: ModelRegistry; name: string; flags: TrainFlags; options: { batchSize: number; shuffleBuffer: number; standardize: boolean; cache: boolean; seed: number }; stateDir: string }): Promise<void> {
  const last = result.epochs.at(-1)
  if (last === undefined) {
    throw new UsageError(result.rows === 0 && !result.interrupted
      ? 'the train topic holds no records: load data first (streamfit load)'
      : 'stopped before the first epoch ended: nothing saved')
  }
  const { runner } = result
  const o = ctx.options
  const saved = await ctx.registry.save({
    name: ctx.name,
    snapshot: await runner.snapshot(),
    backend: runner.backend,
    rows: result.rows,
    epochs: result.epochs.length,
    metrics: { loss: last.loss, accuracy: last.accuracy, rowsPerSecond: result.rowsPerSecond, seconds: result.seconds },
    offsets: result.offsets,
    // Named fields only: the options also hold the Kafka config, whose secrets must not be stored.
    info: { trainer: 'train', topic: Object.keys(result.offsets)[0], batchSize: o.batchSize, shuffleBuffer: o.shuffleBuffer, standardize: o.standardize, cache: o.cache, seed: o.seed, deadLettered: result.deadLettered, interrupted: result.interrupted, history: result.epochs.map(e => ({ epoch: e.epoch, loss: e.loss, accuracy: e.accuracy })) }
  })
  runner.version = saved.ref
  metrics.modelVersion.set({ app: 'train', model: ctx.name }, saved.version)
  const plot = await writeTrainingPlot(
    resolve(ctx.flags.plot ?? `${ctx.stateDir}/plots/${saved.ref}.svg`),
    result.epochs,
    `streamfit train: ${saved.ref}, ${result.rows.toLocaleString('en-US')} rows, batch ${ctx.options.batchSize}, ${runner.backend}`
  )
  if (ctx.flags.json === true) {
    process.stdout.write(JSON.stringify({
      epochs: result.epochs.length,
      loss: round4(last.loss),
      accuracy: round4(last.accuracy),
      rowsPerSecond: Math.round(result.rowsPerSecond),
      backend: runner.backend,
      model: saved.ref,
      rows: result.rows,
      seconds: Math.round(result.seconds * 1000) / 1000,
      deadLettered: result.deadLettered,
      plot
    }) + '\n')
  } else {
    process.stdout.write(`saved ${saved.ref}: ${result.epochs.length} epochs over ${result.rows.toLocaleString('en-US')} rows, ` +
      `loss ${last.loss.toFixed(4)}, accuracy ${last.accuracy.toFixed(4)}, ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s on ${runner.backend}` +
      `${result.interrupted ? ' (interrupted)' : ''}\nplot: ${plot}\n`)
  }
}

interface Progress {
  start (backend: string, skipped: string[]): void
  step (p: EpochProgress, totalSteps: number | undefined): void
  epoch (p: EpochProgress): void
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
    epoch: p => { process.stdout.write(`Epoch ${p.epoch}/${epochs} - ${p.step} steps - ${p.seconds.toFixed(1)}s - loss: ${p.loss.toFixed(4)} - accuracy: ${p.accuracy.toFixed(4)} - ${Math.round(p.rowsPerSecond)} rows/s\n`) }
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
      bar?.update(p.step, { loss: p.loss.toFixed(4), accuracy: p.accuracy.toFixed(4), rps: Math.round(p.rowsPerSecond) })
    },
    epoch (p) {
      bar?.setTotal(p.step)
      bar?.update(p.step)
      bar?.stop()
      bar = null
    },
    stop () { bar?.stop() }
  }
}

function round4 (n: number): number {
  return Math.round(n * 10000) / 10000
}
