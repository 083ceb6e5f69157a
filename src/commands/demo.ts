// `streamfit demo` (`npm run demo`): the whole tutorial in one command, each step the real CLI
// command in a child process, exactly as a user would type it:
//   up -> load -> train -> score (exactly-once) -> lag -> online -> summary table.
// The score stage is judged independently: the demo reads susy-predictions with read_committed
// and computes accuracy and AUC from the labels carried in the predictions.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { lastValueFrom, reduce } from 'rxjs'
import { loadConfig, parseNumber, type KafkaConfig } from '../config.js'
import { SUSY_URL } from '../data/susy.js'
import { StageError } from '../errors.js'
import { endOffsets } from '../kafka/admin.js'
import { binaryMetrics } from '../ml/evaluation.js'
import { parsePrediction } from '../sinks/predictions.js'
import { fromPartition } from '../sources/partition.js'
import { SUSY_SAMPLE } from '../data/sample.js'
import { trainDefaults } from '../../topologies/train.js'


const ROOT = fileURLToPath(new URL('../../../', import.meta.url)) // dist/src/commands -> package root
const CLI = `${ROOT}bin/streamfit.js`

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

type Json = Record<string, unknown>

export interface StageRow {
  stage: string
  rows?: number
  accuracy?: number
  auc?: number
  /** Over the stage's busy time (its --json rate). */
  rowsPerSecond?: number
  /** The stage's process, start to exit. */
  wallSeconds: number
  note?: string
}

export interface DemoSummary {
  data: string
  synthetic: boolean
  stages: StageRow[]
  plots: string[]
  exactlyOnce?: { predictions: number; distinctInputs: number; duplicates: number; inputs: number }
  lag?: number
  /** Did online learning harm the model? Prequential loss by quarter, and both versions on the test rows. */
  online?: OnlineCheck
}

export interface OnlineCheck {
  firstQuarterLoss?: number
  lastQuarterLoss?: number
  /** The same quarters scored by the starting version, frozen: the stream's own change in difficulty. */
  startFirstQuarterLoss?: number
  startLastQuarterLoss?: number
  parent: { model?: string; accuracy?: number; auc?: number }
  final: { model?: string; accuracy?: number; auc?: number }
}

interface StageResult {
  json: Json
  seconds: number
  stderr: string
}

/** Runs one CLI command as a child process; stderr is shown live, the last stdout line is its JSON. */
export async function runCli (stage: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<StageResult> {
  const started = performance.now()
  process.stderr.write(`\n== ${stage}: streamfit ${args.join(' ')}\n`)
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    // Human output (not the --json line) is shown like the logs.
    const text = chunk.split('\n').filter(l => !l.startsWith('{') && !l.startsWith('[')).join('\n')
    if (text.trim()) process.stderr.write(text.replace(/^(?=.)/gm, `  [${stage}] `) + (text.endsWith('\n') ? '' : '\n'))
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    process.stderr.write(chunk.replace(/^(?=.)/gm, `  [${stage}] `))
  })
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)))
  })
  const seconds = (performance.now() - started) / 1000
  if (code !== 0) {
    throw new StageError(stage, args, code, stderr)
  }
  return { json: lastJsonLine(stdout), seconds, stderr }
}

/** The last JSON line of stdout; an array (e.g. `lag --json`) comes back as { rows: [...] }. */
function lastJsonLine (stdout: string): Json {
  const lines = stdout.trim().split('\n').reverse()
  for (const line of lines) {
    if (!line.startsWith('{') && !line.startsWith('[')) continue
    try {
      const value = JSON.parse(line) as unknown
      return Array.isArray(value) ? { rows: value } : value as Json
    } catch { /* not JSON, keep looking */ }
  }
  return {}
}

/** True when `url` answers within the timeout (any HTTP status below 400). */
export async function reachable (url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) })
    return res.ok
  } catch {
    return false
  }
}

export interface PredictionQuality {
  predictions: number
  distinctInputs: number
  duplicates: number
  accuracy: number
  auc: number
  models: string[]
}

/**
 * Reads every committed prediction (read_committed) made by `model` (all when undefined) and
 * scores it against the label it carries; counts inputs predicted more than once.
 */
export async function predictionQuality (kafka: KafkaConfig, topic: string, model?: string): Promise<PredictionQuality> {
  const partitions = (await endOffsets(kafka, topic, { readCommitted: true })).length
  const scores: number[] = []
  const labels: number[] = []
  const seen = new Set<string>()
  const models = new Set<string>()
  let predictions = 0
  let duplicates = 0
  for (let partition = 0; partition < partitions; partition++) {
    await lastValueFrom(fromPartition({ topic, partition, kafka, readCommitted: true }).pipe(reduce((_, record) => {
      const p = parsePrediction(record.value)
      if (model !== undefined && p.model !== model) return 0
      predictions++
      models.add(p.model)
      const id = `${p.source.topic}/${p.source.partition}/${p.source.offset}`
      if (seen.has(id)) duplicates++
      else seen.add(id)
      if (p.label !== null) { scores.push(p.score); labels.push(p.label) }
      return 0
    }, 0)))
  }
  const m = binaryMetrics(scores, labels)
  return { predictions, distinctInputs: seen.size, duplicates, accuracy: m.accuracy, auc: m.auc, models: [...models] }
}

const num = (v: unknown): number | undefined => typeof v === 'number' && Number.isFinite(v) ? v : undefined
const str = (v: unknown): string | undefined => typeof v === 'string' ? v : undefined

/** Plot files named in a stage's JSON (any string value ending .png/.html/.svg) or its log. */
export function plotPaths (result: StageResult): string[] {
  const found = new Set<string>()
  const visit = (v: unknown): void => {
    if (typeof v === 'string' && /\.(png|html|svg)$/i.test(v)) found.add(v)
    else if (v && typeof v === 'object') Object.values(v).forEach(visit)
  }
  visit(result.json)
  for (const m of result.stderr.matchAll(/(\/?[\w./-]+\.(?:png|html|svg))\b/gi)) found.add(m[1])
  return [...found]
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
    stages.push({ stage: 'up', wallSeconds: up.seconds, note: `Kafka ${config.kafka.brokers.join(',')}, Redis` })
  }

  // Data: the tutorial's UCI file when reachable, else the 8,000 real rows shipped in data/, else synthetic rows.
  let data: string
  let loadArgs: string[]
  let synthetic = false
  if (options.data !== undefined) {
    data = options.data
    loadArgs = ['--data', options.data, '--rows', String(options.rows)]
  } else if (await reachable(SUSY_URL, options.uciTimeoutMs)) {
    data = SUSY_URL // load's default source: streamed, only the first `rows` are read
    loadArgs = ['--rows', String(options.rows)]
  } else if (existsSync(SUSY_SAMPLE)) {
    process.stderr.write(`\nUCI SUSY is not reachable from here; using the 8,000 real rows shipped with streamfit (${SUSY_SAMPLE})\n`)
    data = SUSY_SAMPLE
    loadArgs = ['--data', SUSY_SAMPLE, '--rows', String(options.rows)]
  } else {
    synthetic = true
    data = `${options.synthetic} synthetic rows`
    loadArgs = ['--synthetic', String(options.synthetic)]
    process.stderr.write(banner([
      'SYNTHETIC DATA: the UCI SUSY file is not reachable and no local copy was given (--data).',
      `The demo runs on ${options.synthetic} generated rows of the same shape: accuracy and AUC`,
      'below say nothing about SUSY. Run `npm run demo -- --data SUSY.csv.gz` for real rows.'
    ]))
  }
  const load = await runCli('load', ['load', '--fresh', ...loadArgs, '--json'], env)
  const trainRows = num(load.json[config.topics.train]) ?? 0
  const testRows = num(load.json[config.topics.test]) ?? 0
  stages.push({
    stage: 'load',
    rows: trainRows + testRows,
    rowsPerSecond: num(load.json.recordsPerSecond),
    wallSeconds: load.seconds,
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
    wallSeconds: train.seconds,
    note: `${num(train.json.epochs) ?? options.epochs} epochs${train.json.stoppedEarly === true ? ` (stopped early, best ${num(train.json.bestEpoch)})` : ''}, training accuracy; ` +
      `validation ${fmt4(num(train.json.valAccuracy))} / AUC ${fmt4(num(train.json.valAuc))}, ${str(train.json.backend) ?? '?'} backend, ${model ?? '?'}`
  })

  const group = `demo-score-${runId}`
  const score = await runCli('score', ['score', '--group', group, '--stream-timeout', String(STREAM_TIMEOUT_MS), '--json'], env)
  const quality = await predictionQuality(config.kafka, config.topics.predictions, str(score.json.model) ?? model)
  stages.push({
    stage: 'score (exactly-once)',
    rows: num(score.json.records),
    accuracy: quality.accuracy,
    auc: quality.auc,
    rowsPerSecond: num(score.json.recordsPerSecond),
    wallSeconds: score.seconds,
    note: `held-out test split, ${num(score.json.transactions) ?? '?'} transactions, rows/s over the busy time (not the ${STREAM_TIMEOUT_MS / 1000} s idle timeout)`
  })

  const lag = await runCli('lag', ['lag', '--group', group, '--json'], env)
  const totalLag = totalOf(lag.json)
  stages.push({ stage: 'lag', wallSeconds: lag.seconds, note: `group ${group}: total lag ${totalLag ?? '?'}` })

  const online = await runCli('online', ['online', '--group', `demo-online-${runId}`, '--stream-timeout', String(STREAM_TIMEOUT_MS), '--compare-start', '--json'], env)
  plots.push(...plotPaths(online))
  const onlineRows = num(online.json.rows)
  stages.push({
    stage: 'online',
    rows: onlineRows,
    accuracy: num(online.json.prequentialAccuracy),
    auc: num(online.json.prequentialAuc),
    rowsPerSecond: num(online.json.rowsPerSecond),
    wallSeconds: online.seconds,
    note: `prequential, ${Array.isArray(online.json.versions) ? online.json.versions.length : num(online.json.versions) ?? '?'} versions saved, ${str(online.json.model) ?? '?'}; ` +
      `loss first quarter ${fmt4(num(online.json.prequentialLossFirstQuarter))}, last quarter ${fmt4(num(online.json.prequentialLossLastQuarter))}`
  })

  // Online learning must leave the model no worse on rows neither stage ever trained on.
  const finalModel = str(online.json.model)
  const check: OnlineCheck = {
    firstQuarterLoss: num(online.json.prequentialLossFirstQuarter),
    lastQuarterLoss: num(online.json.prequentialLossLastQuarter),
    startFirstQuarterLoss: num(online.json.startLossFirstQuarter),
    startLastQuarterLoss: num(online.json.startLossLastQuarter),
    parent: { model },
    final: { model: finalModel }
  }
  for (const [label, side] of [['train', check.parent], ['online', check.final]] as const) {
    if (side.model === undefined) continue
    const evaluated = await runCli('evaluate', ['evaluate', '--topic', config.topics.test, '--model', side.model, '--json'], env)
    side.accuracy = num(evaluated.json.accuracy)
    side.auc = num(evaluated.json.auc)
    stages.push({ stage: `evaluate ${label}`, rows: num(evaluated.json.rows), accuracy: side.accuracy, auc: side.auc, wallSeconds: evaluated.seconds, note: `${side.model} on the held-out test topic` })
  }

  if (options.down) {
    const down = await runCli('down', ['down'], env)
    stages.push({ stage: 'down', wallSeconds: down.seconds })
  }

  return {
    data,
    synthetic,
    stages,
    plots: [...new Set(plots)],
    exactlyOnce: { predictions: quality.predictions, distinctInputs: quality.distinctInputs, duplicates: quality.duplicates, inputs: testRows },
    lag: totalLag,
    online: check
  }
}

/** Sum of the lag column of `streamfit lag --json`, whatever its exact shape. */
function totalOf (json: Json): number | undefined {
  if (num(json.totalLag) !== undefined) return num(json.totalLag)
  if (num(json.lag) !== undefined) return num(json.lag)
  const rows = (Array.isArray(json.rows) ? json.rows : Array.isArray(json.partitions) ? json.partitions : []) as Json[]
  if (rows.length === 0) return undefined
  return rows.reduce((sum, row) => sum + (num(row.lag) ?? 0), 0)
}

function fmt4 (v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '?' : v.toFixed(4)
}

function banner (lines: string[]): string {
  const width = Math.max(...lines.map(l => l.length))
  const rule = '#'.repeat(width + 4)
  return `\n${rule}\n${lines.map(l => `# ${l.padEnd(width)} #`).join('\n')}\n${rule}\n`
}

export function formatSummary (summary: DemoSummary): string {
  const header = ['stage', 'rows', 'accuracy', 'AUC', 'rows/s', 'wall s', 'notes']
  const fmt = (v: number | undefined, digits: number): string => v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits)
  const rows = summary.stages.map(s => [
    s.stage,
    s.rows === undefined ? '-' : String(s.rows),
    fmt(s.accuracy, 4),
    fmt(s.auc, 4),
    s.rowsPerSecond === undefined ? '-' : String(Math.round(s.rowsPerSecond)),
    fmt(s.wallSeconds, 1),
    s.note ?? ''
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ').trimEnd()
  const out = [
    '',
    `streamfit demo: ${summary.data}${summary.synthetic ? '  (SYNTHETIC ROWS, not SUSY)' : ''}`,
    '',
    line(header),
    line(widths.map(w => '-'.repeat(w))),
    ...rows.map(line)
  ]
  if (summary.exactlyOnce) {
    const e = summary.exactlyOnce
    out.push('', `exactly-once check (read_committed reader of the predictions): ${e.predictions} predictions, ${e.distinctInputs} distinct inputs of ${e.inputs}, ${e.duplicates} duplicates`)
  }
  if (summary.online) {
    const o = summary.online
    const notWorse = o.final.accuracy !== undefined && o.parent.accuracy !== undefined && o.final.auc !== undefined && o.parent.auc !== undefined &&
      o.final.accuracy >= o.parent.accuracy && o.final.auc >= o.parent.auc
    out.push('', `online learning check: prequential loss ${fmt(o.firstQuarterLoss, 4)} over the first quarter, ${fmt(o.lastQuarterLoss, 4)} over the last ` +
      `(the starting version, frozen, on the same rows: ${fmt(o.startFirstQuarterLoss, 4)} -> ${fmt(o.startLastQuarterLoss, 4)}); ` +
      `held-out ${o.parent.model ?? '?'} ${fmt(o.parent.accuracy, 4)} / ${fmt(o.parent.auc, 4)} -> ${o.final.model ?? '?'} ${fmt(o.final.accuracy, 4)} / ${fmt(o.final.auc, 4)} ` +
      `(${notWorse ? 'no worse than its parent' : 'WORSE than its parent'})`)
  }
  out.push('', summary.plots.length ? `plots:\n${summary.plots.map(p => `  ${p}`).join('\n')}` : 'plots: none reported')
  return out.join('\n') + '\n'
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
