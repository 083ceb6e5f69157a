// `streamfit demo` (`npm run demo`): the whole tutorial in one command, each step the real CLI
// command in a child process, exactly as a user would type it:
//   up -> load -> train -> score (exactly-once) -> lag -> online -> summary table.
// The score stage is judged independently: the demo reads susy-predictions with read_committed
// and computes accuracy and AUC from the labels carried in the predictions.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { lastValueFrom, tap } from 'rxjs'
import { loadConfig, parseNumber, type KafkaConfig } from '../config.js'
import { SUSY_URL } from '../data/susy.js'
import { endOffsets } from '../kafka/admin.js'
import { predictionQuality } from '../ml/evaluation.js'
import { parsePrediction, type Prediction } from '../codec/prediction.js'
import { fromPartition } from '../sources/partition.js'
import { banner, formatSummary, num, plotPaths, reachable, runCli, StageError, str, type DemoSummary, type Json, type StageRow } from './demo-stages.js'


const ROOT = fileURLToPath(new URL('../../../', import.meta.url)) // dist/src/commands -> package root
/** A local copy of real SUSY rows next to the checkout (present on the project's dev machines). */
export const LOCAL_SUSY = fileURLToPath(new URL('../shared/data/susy-8k.csv', `file://${ROOT}`))

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
  epochs: 10,
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

export async function runDemo (options: DemoOptions, parentEnv: NodeJS.ProcessEnv = process.env): Promise<DemoSummary> {
  // The apps' JSON logs would drown the story: warnings and errors only, unless asked for.
  const env = { ...parentEnv, STREAMFIT_LOG_LEVEL: parentEnv.STREAMFIT_LOG_LEVEL ?? 'warn' }
  const config = loadConfig(env)
  const runId = Date.now().toString(36)
  const stages: StageRow[] = []
  const plots: string[] = []

  if (options.up) {
    const up = await runCli('up', ['up'], env)
    stages.push({ stage: 'up', seconds: up.seconds, note: `Kafka ${config.kafka.brokers.join(',')}, Redis` })
  }

  const { data, loadArgs, synthetic } = await chooseData(options)
  const load = await runCli('load', ['load', '--fresh', ...loadArgs, '--json'], env)
  const trainRows = num(load.json[config.topics.train]) ?? 0
  const testRows = num(load.json[config.topics.test]) ?? 0
  stages.push({
    stage: 'load',
    rows: trainRows + testRows,
    rowsPerSecond: num(load.json.recordsPerSecond),
    seconds: load.seconds,
    note: `${trainRows} train / ${testRows} test${synthetic ? ', SYNTHETIC' : ''}`
  })

  const train = await runCli('train', ['train', '--epochs', String(options.epochs), '--json'], env)
  const model = str(train.json.model)
  plots.push(...plotPaths(train))
  stages.push({
    stage: 'train',
    rows: num(train.json.rows) ?? trainRows * options.epochs,
    accuracy: num(train.json.accuracy),
    rowsPerSecond: num(train.json.rowsPerSecond),
    seconds: train.seconds,
    note: `${num(train.json.epochs) ?? options.epochs} epochs, training accuracy, ${str(train.json.backend) ?? '?'} backend, ${model ?? '?'}`
  })

  const group = `demo-score-${runId}`
  const score = await runCli('score', ['score', '--group', group, '--stream-timeout', String(STREAM_TIMEOUT_MS), '--json'], env)
  const quality = predictionQuality(await committedPredictions(config.kafka, config.topics.predictions), str(score.json.model) ?? model)
  stages.push({
    stage: 'score (exactly-once)',
    rows: num(score.json.records),
    accuracy: quality.accuracy,
    auc: quality.auc,
    rowsPerSecond: busyRate(num(score.json.records), num(score.json.seconds)),
    seconds: score.seconds,
    note: `held-out test split, ${num(score.json.transactions) ?? '?'} transactions, rows/s excludes the ${STREAM_TIMEOUT_MS / 1000} s idle timeout`
  })

  const lag = await runCli('lag', ['lag', '--group', group, '--json'], env)
  const totalLag = totalOf(lag.json)
  stages.push({ stage: 'lag', seconds: lag.seconds, note: `group ${group}: total lag ${totalLag ?? '?'}` })

  const online = await runCli('online', ['online', '--group', `demo-online-${runId}`, '--stream-timeout', String(STREAM_TIMEOUT_MS), '--json'], env)
  plots.push(...plotPaths(online))
  const onlineRows = num(online.json.rows)
  stages.push({
    stage: 'online',
    rows: onlineRows,
    accuracy: num(online.json.prequentialAccuracy),
    auc: num(online.json.prequentialAuc),
    rowsPerSecond: busyRate(onlineRows, num(online.json.seconds)),
    seconds: online.seconds,
    note: `prequential, ${Array.isArray(online.json.versions) ? online.json.versions.length : num(online.json.versions) ?? '?'} versions saved, ${str(online.json.model) ?? '?'}`
  })

  if (options.down) stages.push({ stage: 'down', seconds: (await runCli('down', ['down'], env)).seconds })

  return {
    data,
    synthetic,
    stages,
    plots: [...new Set(plots)],
    exactlyOnce: { predictions: quality.predictions, distinctInputs: quality.distinctInputs, duplicates: quality.duplicates, inputs: testRows },
    lag: totalLag
  }
}

/** The tutorial's UCI file when reachable, else a local copy, else synthetic rows (said loudly). */
async function chooseData (options: DemoOptions): Promise<{ data: string, loadArgs: string[], synthetic: boolean }> {
  if (options.data !== undefined) return { data: options.data, loadArgs: ['--data', options.data, '--rows', String(options.rows)], synthetic: false }
  if (await reachable(SUSY_URL, options.uciTimeoutMs)) {
    // load's default source: streamed, only the first `rows` are read
    return { data: SUSY_URL, loadArgs: ['--rows', String(options.rows)], synthetic: false }
  }
  if (existsSync(LOCAL_SUSY)) {
    process.stderr.write(`\nUCI SUSY is not reachable from here; using the local copy ${LOCAL_SUSY}\n`)
    return { data: LOCAL_SUSY, loadArgs: ['--data', LOCAL_SUSY, '--rows', String(options.rows)], synthetic: false }
  }
  process.stderr.write(banner([
    'SYNTHETIC DATA: the UCI SUSY file is not reachable and no local copy was given (--data).',
    `The demo runs on ${options.synthetic} generated rows of the same shape: accuracy and AUC`,
    'below say nothing about SUSY. Run `npm run demo -- --data SUSY.csv.gz` for real rows.'
  ]))
  return { data: `${options.synthetic} synthetic rows`, loadArgs: ['--synthetic', String(options.synthetic)], synthetic: true }
}

/**
 * Rows per second while the stream had rows: score and online end only after STREAM_TIMEOUT_MS
 * without a record, and that idle tail is not work.
 */
function busyRate (rows: number | undefined, seconds: number | undefined): number | undefined {
  if (rows === undefined || seconds === undefined) return undefined
  const busy = seconds - STREAM_TIMEOUT_MS / 1000
  return busy > 0 ? rows / busy : undefined
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
    .option('--data <path|url>', 'SUSY rows to load (.csv or .csv.gz); default the UCI file when reachable, else ../shared/data/susy-8k.csv, else synthetic rows')
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
      }).catch((error: unknown) => {
        if (!(error instanceof StageError)) throw error
        process.stderr.write(`\nstreamfit: ${error.message}\n`)
        process.exitCode = error.exitCode === 2 ? 2 : 1
        return undefined
      })
      if (summary === undefined) return
      process.stdout.write(formatSummary(summary))
      if (!opts.down && opts.up) process.stdout.write('\nKafka and Redis are still running: `npx streamfit down` stops what `up` started.\n')
      if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n')
    })
}
