// `streamfit demo` (`npm run demo`): the whole tutorial in one command, each step the real CLI
// command in a child process, exactly as a user would type it:
//   up -> load -> train -> score (exactly-once) -> lag -> online -> summary table.
// The score stage is judged independently: the demo reads susy-predictions with read_committed
// and computes accuracy and AUC from the labels carried in the predictions.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { lastValueFrom, tap } from 'rxjs'
import { loadConfig, parseNumber, type Config, type KafkaConfig } from '../config.js'
import { SUSY_URL } from '../data/susy.js'
import { endOffsets } from '../kafka/admin.js'
import { predictionQuality } from '../ml/evaluation.js'
import { parsePrediction, type Prediction } from '../codec/prediction.js'
import { fromPartition } from '../sources/partition.js'
import { SUSY_SAMPLE } from '../data/sample.js'
import { trainDefaults } from '../../topologies/train.js'
import { reachable } from '../infra/probe.js'
import { banner, fmt4, formatSummary, num, plotPaths, runCli, str, type DemoSummary, type Json, type OnlineCheck, type StageRow } from './demo-stages.js'


const ROOT = fileURLToPath(new URL('../../../', import.meta.url)) // dist/src/commands -> package root

export interface DemoOptions {
  data?: string
  rows: number
  synthetic: number
  epochs: number
  up: boolean
  down: boolean
  uciTimeoutMs: number
  json: boolean
}

/** Score and online stop after this long without a new record (the tutorial uses 10 s). */
const STREAM_TIMEOUT_MS = 5000

const defaults: DemoOptions = {
  rows: 100_000, // the tutorial's first 100,000 rows
  // Generated rows carry no SUSY physics: enough to show the pipeline, not to wait for.
  synthetic: 10_000,
  epochs: trainDefaults.epochs,
  up: true,
  down: false,
  uciTimeoutMs: 5000,
  json: false
}

/** Every committed prediction on `topic` (read_committed, all partitions). */
async function committedPredictions (kafka: KafkaConfig, topic: string): Promise<Prediction[]> {
  const partitions = (await endOffsets(kafka, topic, { readCommitted: true })).length
  const predictions: Prediction[] = []
  for (let partition = 0; partition < partitions; partition++) {
    await lastValueFrom(fromPartition({ topic, partition, kafka, readCommitted: true }).pipe(
      tap(record => { predictions.push(parsePrediction(record.value)) })
    ), { defaultValue: undefined })
  }
  return predictions
}

/** What the stages share: the environment they run in and the summary rows they add. */
interface DemoRun {
  env: NodeJS.ProcessEnv
  config: Config
  runId: string
  stages: StageRow[]
  plots: string[]
}

export async function runDemo (options: DemoOptions, parentEnv: NodeJS.ProcessEnv = process.env): Promise<DemoSummary> {
  // The apps' JSON logs would drown the story: warnings and errors only, unless asked for.
  const env = { ...parentEnv, STREAMFIT_LOG_LEVEL: parentEnv.STREAMFIT_LOG_LEVEL ?? 'warn' }
  const run: DemoRun = { env, config: loadConfig(env), runId: Date.now().toString(36), stages: [], plots: [] }
  if (options.up) await simpleStage(run, 'up', `Kafka ${run.config.kafka.brokers.join(',')}, Redis`)
  const source = await chooseData(options)
  const loaded = await loadStage(run, source)
  const model = await trainStage(run, options.epochs, loaded.trainRows)
  const scored = await scoreStage(run, model)
  const { model: finalModel, ...quarters } = await onlineStage(run)
  const check: OnlineCheck = { ...quarters, parent: { model }, final: { model: finalModel } }
  await evaluateStage(run, 'train', check.parent)
  await evaluateStage(run, 'online', check.final)
  if (options.down) await simpleStage(run, 'down')
  const { quality, totalLag } = scored
  return {
    data: source.data,
    synthetic: source.synthetic,
    stages: run.stages,
    plots: [...new Set(run.plots)],
    exactlyOnce: { predictions: quality.predictions, distinctInputs: quality.distinctInputs, duplicates: quality.duplicates, inputs: loaded.testRows },
    lag: totalLag,
    online: check
  }
}

/** A stage with nothing to report but its time (up, down). */
async function simpleStage (run: DemoRun, stage: 'up' | 'down', note?: string): Promise<void> {
  const result = await runCli(stage, [stage], run.env)
  run.stages.push({ stage, wallSeconds: result.seconds, ...(note !== undefined ? { note } : {}) })
}

interface DataSource { data: string, loadArgs: string[], synthetic: boolean }

/** The tutorial's UCI file when reachable, else the 8,000 real rows shipped in data/, else synthetic rows (said loudly). */
async function chooseData (options: DemoOptions): Promise<DataSource> {
  const rows = ['--rows', String(options.rows)]
  if (options.data !== undefined) return { data: options.data, loadArgs: ['--data', options.data, ...rows], synthetic: false }
  // load's default source: streamed, only the first `rows` are read
  if (await reachable(SUSY_URL, options.uciTimeoutMs)) return { data: SUSY_URL, loadArgs: rows, synthetic: false }
  if (existsSync(SUSY_SAMPLE)) {
    process.stderr.write(`\nUCI SUSY is not reachable from here; using the 8,000 real rows shipped with streamfit (${SUSY_SAMPLE})\n`)
    return { data: SUSY_SAMPLE, loadArgs: ['--data', SUSY_SAMPLE, ...rows], synthetic: false }
  }
  process.stderr.write(banner([
    'SYNTHETIC DATA: the UCI SUSY file is not reachable and no local copy was given (--data).',
    `The demo runs on ${options.synthetic} generated rows of the same shape: accuracy and AUC`,
    'below say nothing about SUSY. Run `npm run demo -- --data SUSY.csv.gz` for real rows.'
  ]))
  return { data: `${options.synthetic} synthetic rows`, loadArgs: ['--synthetic', String(options.synthetic)], synthetic: true }
}

async function loadStage (run: DemoRun, source: DataSource): Promise<{ trainRows: number, testRows: number }> {
  const load = await runCli('load', ['load', '--fresh', ...source.loadArgs, '--json'], run.env)
  const trainRows = num(load.json[run.config.topics.train]) ?? 0
  const testRows = num(load.json[run.config.topics.test]) ?? 0
  run.stages.push({
    stage: 'load',
    rows: trainRows + testRows,
    rowsPerSecond: num(load.json.recordsPerSecond),
    wallSeconds: load.seconds,
    note: `${trainRows} train / ${testRows} test${source.synthetic ? ', SYNTHETIC' : ''}`
  })
  return { trainRows, testRows }
}

/** Trains and returns the version saved. */
async function trainStage (run: DemoRun, epochs: number, trainRows: number): Promise<string | undefined> {
  const train = await runCli('train', ['train', '--epochs', String(epochs), '--json'], run.env)
  const model = str(train.json.model)
  run.plots.push(...plotPaths(train))
  run.stages.push({
    stage: 'train',
    rows: num(train.json.rows) ?? trainRows * epochs,
    accuracy: num(train.json.accuracy),
    rowsPerSecond: num(train.json.rowsPerSecond),
    wallSeconds: train.seconds,
    note: `${num(train.json.epochs) ?? epochs} epochs${train.json.stoppedEarly === true ? ` (stopped early, best ${num(train.json.bestEpoch)})` : ''}, training accuracy; ` +
      `validation ${fmt4(num(train.json.valAccuracy))} / AUC ${fmt4(num(train.json.valAuc))}, ${str(train.json.backend) ?? '?'} backend, ${model ?? '?'}`
  })
  return model
}

/** Scores the test topic exactly once, judges the committed predictions, then shows the group's lag. */
async function scoreStage (run: DemoRun, model: string | undefined): Promise<{ quality: ReturnType<typeof predictionQuality>, totalLag: number | undefined }> {
  const group = `demo-score-${run.runId}`
  const score = await runCli('score', ['score', '--group', group, '--stream-timeout', String(STREAM_TIMEOUT_MS), '--json'], run.env)
  const quality = predictionQuality(await committedPredictions(run.config.kafka, run.config.topics.predictions), str(score.json.model) ?? model)
  run.stages.push({
    stage: 'score (exactly-once)',
    rows: num(score.json.records),
    accuracy: quality.accuracy,
    auc: quality.auc,
    rowsPerSecond: num(score.json.recordsPerSecond),
    wallSeconds: score.seconds,
    note: `held-out test split, ${num(score.json.transactions) ?? '?'} transactions, rows/s over the busy time (not the ${STREAM_TIMEOUT_MS / 1000} s idle timeout)`
  })
  const lag = await runCli('lag', ['lag', '--group', group, '--json'], run.env)
  const totalLag = totalOf(lag.json)
  run.stages.push({ stage: 'lag', wallSeconds: lag.seconds, note: `group ${group}: total lag ${totalLag ?? '?'}` })
  return { quality, totalLag }
}

/** Online learning from the train topic, compared with its starting version on the same rows. */
async function onlineStage (run: DemoRun): Promise<Omit<OnlineCheck, 'parent' | 'final'> & { model: string | undefined }> {
  const online = await runCli('online', ['online', '--group', `demo-online-${run.runId}`, '--stream-timeout', String(STREAM_TIMEOUT_MS), '--compare-start', '--json'], run.env)
  run.plots.push(...plotPaths(online))
  run.stages.push({
    stage: 'online',
    rows: num(online.json.rows),
    accuracy: num(online.json.prequentialAccuracy),
    auc: num(online.json.prequentialAuc),
    rowsPerSecond: num(online.json.rowsPerSecond),
    wallSeconds: online.seconds,
    note: `prequential, ${Array.isArray(online.json.versions) ? online.json.versions.length : num(online.json.versions) ?? '?'} versions saved, ${str(online.json.model) ?? '?'}; ` +
      `loss first quarter ${fmt4(num(online.json.prequentialLossFirstQuarter))}, last quarter ${fmt4(num(online.json.prequentialLossLastQuarter))}`
  })
  return {
    model: str(online.json.model),
    firstQuarterLoss: num(online.json.prequentialLossFirstQuarter),
    lastQuarterLoss: num(online.json.prequentialLossLastQuarter),
    startFirstQuarterLoss: num(online.json.startLossFirstQuarter),
    startLastQuarterLoss: num(online.json.startLossLastQuarter)
  }
}

/** Online learning must leave the model no worse on rows neither stage ever trained on. */
async function evaluateStage (run: DemoRun, label: string, side: OnlineCheck['parent']): Promise<void> {
  if (side.model === undefined) return
  const evaluated = await runCli('evaluate', ['evaluate', '--topic', run.config.topics.test, '--model', side.model, '--json'], run.env)
  side.accuracy = num(evaluated.json.accuracy)
  side.auc = num(evaluated.json.auc)
  run.stages.push({ stage: `evaluate ${label}`, rows: num(evaluated.json.rows), accuracy: side.accuracy, auc: side.auc, wallSeconds: evaluated.seconds, note: `${side.model} on the held-out test topic` })
}

/** Sum of the lag column of `streamfit lag --json`, whatever its exact shape. */
function totalOf (json: Json): number | undefined {
  if (num(json.totalLag) !== undefined) return num(json.totalLag)
  if (num(json.lag) !== undefined) return num(json.lag)
  const rows = (Array.isArray(json.rows) ? json.rows : Array.isArray(json.partitions) ? json.partitions : []) as Json[]
  if (rows.length === 0) return undefined
  return rows.reduce((sum, row) => sum + (num(row.lag) ?? 0), 0)
}

export function register (program: Command): void {
  program
    .command('demo')
    .description('run the whole tutorial: up, load, train, exactly-once score, lag, online, then a summary table')
    .option('--data <path|url>', 'SUSY rows to load (.csv or .csv.gz); default the UCI file when reachable, else the 8,000 rows in data/susy-8k.csv.gz, else synthetic rows')
    .option('--rows <n>', 'first N rows of the data', String(defaults.rows))
    .option('--synthetic <n>', 'rows to generate when no real data is available', String(defaults.synthetic))
    .option('--epochs <n>', 'training epochs', String(defaults.epochs))
    .option('--no-up', 'do not run `streamfit up` (services already answer)')
    .option('--down', 'stop the services `up` started once the demo is done')
    .option('--json', 'end with the summary as one JSON line')
    .action(async (opts: { data?: string; rows: string; synthetic: string; epochs: string; up: boolean; down?: boolean; json?: boolean }) => {
      const summary = await runDemo({
        ...defaults,
        data: opts.data,
        rows: parseNumber('--rows', opts.rows, { min: 1 }),
        synthetic: parseNumber('--synthetic', opts.synthetic, { min: 10 }),
        epochs: parseNumber('--epochs', opts.epochs, { min: 1 }),
        up: opts.up,
        down: opts.down ?? false,
        json: opts.json ?? false
      })
      // A failed stage throws StageError: src/cli.ts prints its one line and exits with its code.
      if (opts.json) { process.stdout.write(JSON.stringify(summary) + '\n'); return }
      process.stdout.write(formatSummary(summary))
      if (!opts.down && opts.up) process.stdout.write('\nKafka and Redis are still running: `npx streamfit down` stops what `up` started.\n')
    })
}
