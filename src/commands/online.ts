// `streamfit online`: learns from the train topic one mini-batch at a time (the tutorial's step 6),
// scoring each mini-batch before fitting it (prequential validation). See topologies/online.ts.
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { parseNumber, type Config } from '../config.js'
import { parseBackend, SMALL_STEP_ORDER } from '../ml/backend.js'
import { requireGroup, requireServices } from '../infra/probe.js'
import { quarterLosses } from '../online/prequential.js'
import { formatSavePolicy, parseSavePolicy } from '../online/save-policy.js'
import type { WindowFigures } from '../online/prequential-windows.js'
import { boostDetail, parseAction, parseDetector } from '../online/drift.js'
import { ERROR_CUSUM_DEFAULTS } from '../online/error-cusum.js'
import { PAGE_HINKLEY_DEFAULTS } from '../online/page-hinkley.js'
import { formatWarmup, parseWarmup } from '../online/warmup.js'
import { formatFastStart, parseFastStart } from '../online/fast-start.js'
import { writeLineChart } from '../plot/line-chart.js'
import { runApp } from '../runtime/app.js'
import { rideOut } from '../runtime/ride-out.js'
import { perSecond, timing } from './figures.js'
import { backendFlag, groupFlag, registerApp, seedFlag, sessionTimeoutFlag, specFlag, streamTimeoutFlag } from './flags.js'
import type { DatasetSpec } from '../spec/types.js'
import { formatMetrics } from '../ml/task-metrics.js'
import { prefixedFigures } from '../ml/validation-figures.js'
import { onlineDefaults, onlineTopology, runOnline, type BatchProgress, type OnlineInput, type OnlineResult } from '../../topologies/online.js'
import { jsonHelp, ONLINE_JSON } from './json-fields.js'

interface OnlineFlags {
  group: string
  streamTimeout: string
  epochsPerBatch?: string
  learningRate?: string
  batchSize: string
  step: string
  warmup: string
  fastStart: string
  maxRecords: string
  drift: string
  driftThreshold: string
  driftFalseAlarmRows: string
  driftMinRows?: string
  driftDelta: string
  driftAction: string
  saveEvery: string
  sessionTimeout: string
  keepVersions: string
  fromScratch?: boolean
  compareStart?: boolean
  window?: string
  backend: string
  seed?: string
  plot?: string
  json?: boolean
  metricsPort?: string
  metricsHost?: string
  logLevel?: string
}

export function declareFlags (command: Command): Command {
  const d = onlineDefaults
  specFlag(groupFlag(command, 'consumer group; one group is one lineage of model versions', d.groupId))
  streamTimeoutFlag(command, d.streamTimeout)
    .option('--epochs-per-batch <k>', `epochs over each mini-batch; default ${d.continueEpochsPerBatch} continuing a stored version, ${d.newEpochsPerBatch} (the tutorial's) for a new model`)
    .option('--learning-rate <lr>', `Adam learning rate (the tutorial: 0.001); default ${d.continueLearningRate} when continuing a stored version, the stored rate when resuming this group's lineage, ${d.newRateFactor}× its spec's rate for a new model (SUSY: 0.003)`)
    .option('--batch-size <n>', 'rows per gradient step within a mini-batch', String(d.batchSize))
    .option('--step <rows>', `score, then fit, this many rows at a time within a mini-batch (0: the whole mini-batch); auto: ${d.smallModelStep} for a model under ${d.smallModelWeights.toLocaleString('en')} weights, else ${d.largeModelStep}`, String(d.step))
    .option('--warmup <rows,epochs>', 'a new model\'s warm-up: at least EPOCHS epochs per step over its first ROWS rows ("0": none)', formatWarmup(d.newWarmup))
    .option('--fast-start <rows,step,factor>', `a new model's fast start: steps of STEP rows at FACTOR × the learning rate over its first ROWS rows ("0": none); auto: ${formatFastStart(d.smallModelFastStart)} for a model under ${d.smallModelWeights.toLocaleString('en')} weights, none otherwise`, formatFastStart(d.newFastStart))
    .option('--max-records <n>', 'largest mini-batch taken from one poll', String(d.maxRecords))
    .option('--drift <detector>', `drift detection: cusum (on the prequential error), page-hinkley (ph, on the log loss) or off; auto: cusum for a model under ${d.smallModelWeights.toLocaleString('en')} weights, else page-hinkley`, d.drift.detector)
    .option('--drift-false-alarm-rows <n>', 'cusum: rows between false alarms where nothing changes (lower: drifts seen sooner, more false alarms)', String(d.drift.falseAlarmRows))
    .option('--drift-threshold <nats>', 'page-hinkley: summed excess log loss that makes a drift (lower: faster, more false alarms)', String(d.drift.threshold))
    .option('--drift-min-rows <n>', `rows after a detection (or the start) before the next; default ${ERROR_CUSUM_DEFAULTS.minRows} for cusum, ${PAGE_HINKLEY_DEFAULTS.minRows} for page-hinkley`)
    .option('--drift-delta <delta>', 'Page-Hinkley delta: rise of the per-row log loss tolerated', String(d.drift.delta))
    .option('--drift-action <action>', `on a drift (auto: refit after cusum, boost after page-hinkley): refit (for ${d.drift.refitRows} rows, each step fitted with the rows since the drift, the last ${d.drift.refitWindow}), boost (for ${d.drift.boostRows} rows, ${boostDetail(d.drift)}), reset (a fresh Adam) or none`, d.drift.action)
    .option('--save-every <when>', 'save a version every N mini-batches, every duration (30s, 500ms, 2m), or both ("10,30s")', formatSavePolicy(d.savePolicy))
  sessionTimeoutFlag(command, 'how soon a killed trainer\'s place is free', d.sessionTimeout)
    .option('--keep-versions <n>', 'keep only the newest N versions of this lineage in Redis (0 keeps all)', String(d.keepVersions))
    .option('--from-scratch', 'start even when Kafka\'s committed offsets for the group are ahead of the registry (versions lost): retrains what they had learnt')
    .option('--compare-start', 'also score each mini-batch with the starting version, frozen (a second worker): --json gets its prequential loss by quarter, to tell drift in the stream from harm done by learning')
    .option('--window <rows>', '--json also lists prequential accuracy and loss per window of this many rows (prequentialWindows), to see a drift and the recovery from it')
  return seedFlag(backendFlag(command, undefined, `plain JavaScript for a model under ${onlineDefaults.jsTwinMaxWeights.toLocaleString('en')} weights of Dense layers, else ${SMALL_STEP_ORDER.join(', ')}: WASM's ops cost less for small steps`))
    .option('--plot <file.svg>', 'where to write the prequential accuracy plot (default <state dir>/plots/online-<group>-<version>.svg)')
    .option('--json', jsonHelp('print one JSON line at the end', ONLINE_JSON))
}

/** The topology the flags describe (and run). */
export function topologyInput (flags: OnlineFlags, config: Config, spec?: DatasetSpec): OnlineInput {
  requireGroup(flags.group)
  return {
    ...(spec !== undefined ? { spec, model: spec.name } : {}),
    topic: config.topics.train,
    dlqTopic: config.topics.dlq,
    groupId: flags.group,
    streamTimeout: parseNumber('--stream-timeout', flags.streamTimeout, { min: -1 }),
    ...(flags.epochsPerBatch !== undefined ? { epochsPerBatch: parseNumber('--epochs-per-batch', flags.epochsPerBatch, { min: 1 }) } : {}),
    ...(flags.learningRate !== undefined ? { learningRate: parseNumber('--learning-rate', flags.learningRate, { integer: false, min: 0 }) } : {}),
    batchSize: parseNumber('--batch-size', flags.batchSize, { min: 1 }),
    step: flags.step === 'auto' ? 'auto' : parseNumber('--step', flags.step, { min: 0 }),
    newWarmup: parseWarmup(flags.warmup),
    newFastStart: parseFastStart(flags.fastStart),
    maxRecords: parseNumber('--max-records', flags.maxRecords, { min: 1 }),
    drift: {
      ...onlineDefaults.drift,
      detector: parseDetector(flags.drift),
      threshold: parseNumber('--drift-threshold', flags.driftThreshold, { integer: false, min: 0 }),
      falseAlarmRows: parseNumber('--drift-false-alarm-rows', flags.driftFalseAlarmRows, { min: 1 }),
      ...(flags.driftMinRows !== undefined ? { minRows: parseNumber('--drift-min-rows', flags.driftMinRows, { min: 1 }) } : {}),
      delta: parseNumber('--drift-delta', flags.driftDelta, { integer: false, min: 0 }),
      action: parseAction(flags.driftAction)
    },
    savePolicy: parseSavePolicy(flags.saveEvery),
    sessionTimeout: parseNumber('--session-timeout', flags.sessionTimeout, { min: 1000 }),
    keepVersions: parseNumber('--keep-versions', flags.keepVersions, { min: 0 }),
    fromScratch: flags.fromScratch === true,
    compareWithStart: flags.compareStart === true,
    ...(flags.window !== undefined ? { window: parseNumber('--window', flags.window, { min: 1 }) } : {})
  }
}

export const topology = onlineTopology

export function register (program: Command): void {
  const description = 'learn online from the train topic: each mini-batch is scored (prequential accuracy), then fitted; versions saved with their offsets'
  registerApp(program, description, { declareFlags, topologyInput, topology }, async ({ flags, config, settings, app }) => {
    const backend = parseBackend(flags.backend)
    const seed = flags.seed !== undefined ? { seed: parseNumber('--seed', flags.seed, { min: 0 }) } : {}
    const tty = process.stdout.isTTY === true && flags.json !== true
    await requireServices(config, { topics: [settings.topic], redis: true })
    const lag = { kafka: config.kafka, groupId: settings.groupId, topics: [settings.topic] }
    const result = await runApp('online', { ...app, lag }, async ({ signal, logger }) => {
      return rideOut(() => runOnline({ ...settings, kafka: config.kafka, redisUrl: config.redisUrl, registryPrefix: config.registryPrefix, backend, ...seed, signal, logger, ...(tty ? { onBatch: printBatch } : {}) }), { kafka: config.kafka, signal, logger, what: 'online learning' })
    })
    if (result === undefined) return
    const plot = result.curve.length > 0
      ? await writePrequentialPlot(resolve(flags.plot ?? `${config.stateDir}/plots/online-${settings.groupId}-${result.model ?? 'new'}.svg`), result, settings.groupId)
      : null
    process.stdout.write(flags.json === true ? JSON.stringify({ ...summary(result), plot }) + '\n' : formatResult(result) + (plot !== null ? `plot: ${plot}\n` : ''))
  })
}

/** The --json line. */
export function summary (r: OnlineResult): Record<string, unknown> {
  const quarters = quarterLosses(r.curve)
  return {
    rows: r.rows,
    batches: r.batches,
    versions: r.versions,
    prequentialAccuracy: round4(r.prequentialAccuracy),
    prequentialLoss: round4(r.prequentialLoss),
    prequentialAuc: round4(r.prequentialAuc),
    // The task's other figures (multiclass: macro-F1; regression: RMSE, MAE, R²), beside SUSY's.
    ...Object.fromEntries(Object.entries(prefixedFigures('prequential', r.prequential, n => round4(n) ?? NaN)).filter(([k]) => !(k in SUSY_KEYS))),
    // Learning that harms a model on a stationary stream shows as a last quarter above the first.
    prequentialLossFirstQuarter: round4(quarters.first),
    prequentialLossLastQuarter: round4(quarters.last),
    ...(r.baselineCurve !== undefined ? startFigures(r) : {}),
    // Where this run's drift detector fired: the lineage's row count and the record's offset.
    driftDetections: r.driftDetections,
    ...(r.windows !== undefined ? { prequentialWindows: windowFigures(r.windows) } : {}),
    model: r.model,
    resumedFrom: r.resumedFrom,
    deadLettered: r.deadLettered,
    backend: r.backend,
    step: r.step,
    fastStart: r.fastStart,
    drift: r.drift,
    ...timing(r.seconds, r.busySeconds),
    rowsPerSecond: perSecond(r.rows, r.busySeconds)
  }
}

/** The starting version's prequential loss by quarter on the same rows, had it not learnt. */
function startFigures (r: OnlineResult): Record<string, unknown> {
  const q = quarterLosses(r.baselineCurve ?? [])
  const end = r.baselineCurve?.at(-1)
  return { startPrequentialLoss: round4(end?.loss ?? NaN), startLossFirstQuarter: round4(q.first), startLossLastQuarter: round4(q.last) }
}

/** Per-window figures, rounded as the rest of the line. */
function windowFigures (w: WindowFigures): Record<string, unknown> {
  return { size: w.size, lastRows: w.lastRows, accuracy: w.accuracy.map(a => a === null ? null : round4(a)), loss: w.loss.map(round4) }
}

/** Prequential accuracy (running and per mini-batch) and loss over the rows of the run. */
export function writePrequentialPlot (path: string, r: OnlineResult, group: string): Promise<string> {
  const points = (pick: (p: OnlineResult['curve'][number]) => number): Array<{ x: number, y: number }> =>
    r.curve.filter(p => Number.isFinite(pick(p))).map(p => ({ x: p.rows, y: pick(p) }))
  return writeLineChart(path, {
    title: `online learning, group ${group}: prequential (test-then-train) figures, ${r.model ?? 'no version'}`,
    xLabel: 'rows learnt',
    panels: [
      [{ name: 'prequential accuracy', points: points(p => 'accuracy' in p ? p.accuracy : NaN) }, { name: 'mini-batch accuracy', points: points(p => 'batchAccuracy' in p ? p.batchAccuracy : NaN) }],
      { name: 'prequential loss', points: points(p => p.loss) }
    ]
  })
}

function printBatch (p: BatchProgress): void {
  const acc = !('accuracy' in p.score) || Number.isNaN(p.score.accuracy) ? '  -   ' : p.score.accuracy.toFixed(4)
  process.stdout.write(
    `batch ${String(p.batch).padStart(5)}  rows ${String(p.rows).padStart(4)} (${String(p.totalRows).padStart(7)})  ` +
    `prequential acc ${fmt(p.prequentialAccuracy)} loss ${fmt(p.prequentialLoss)}  batch acc ${acc}  ` +
    `train loss ${fmt(p.trainLoss)}  ${p.version}${p.saved ? ' (saved)' : ''}\n`)
}

function formatResult (r: OnlineResult): string {
  const figures = r.prequential.task === 'binary' ? `accuracy ${fmt(r.prequentialAccuracy)} (loss ${fmt(r.prequentialLoss)})` : formatMetrics(r.prequential)
  return `online: ${r.rows} rows in ${r.batches} mini-batches, prequential ${figures}, ${r.versions.length} version(s) saved, model ${r.model ?? 'none'} on ${r.backend}\n`
}

// The binary figures the --json line has always named.
const SUSY_KEYS = { prequentialAccuracy: true, prequentialLoss: true, prequentialAuc: true }

function fmt (n: number): string {
  return Number.isNaN(n) ? '  -   ' : n.toFixed(4)
}

function round4 (n: number): number | null {
  return Number.isFinite(n) ? Math.round(n * 10000) / 10000 : null
}
