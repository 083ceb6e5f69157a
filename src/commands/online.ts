// `streamfit online`: learns from the train topic one mini-batch at a time (the tutorial's step 6),
// scoring each mini-batch before fitting it (prequential validation). See topologies/online.ts.
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { loadConfig, parseNumber } from '../config.js'
import { parseBackend } from '../ml/backend.js'
import { parseSavePolicy } from '../online/save-policy.js'
import { writeLineChart } from '../plot/line-chart.js'
import { appOptions, runApp, withAppOptions } from '../runtime/app.js'
import { describe, onlineDefaults, runOnline, type BatchProgress, type OnlineResult } from '../../topologies/online.js'

interface OnlineFlags {
  group: string
  streamTimeout: string
  epochsPerBatch: string
  batchSize: string
  maxRecords: string
  saveEvery?: string
  sessionTimeout: string
  keepVersions: string
  backend: string
  seed?: string
  plot?: string
  json?: boolean
  metricsPort?: string
  metricsHost?: string
  logLevel?: string
}

export function register (program: Command): void {
  const command = program
    .command('online')
    .description('learn online from the train topic: each mini-batch is scored (prequential accuracy), then fitted; versions saved with their offsets')
    .option('--group <id>', 'consumer group; one group is one lineage of model versions', onlineDefaults.groupId)
    .option('--stream-timeout <ms>', 'stop after this many ms without a new record; -1 waits forever', String(onlineDefaults.streamTimeout))
    .option('--epochs-per-batch <k>', 'epochs over each mini-batch', String(onlineDefaults.epochsPerBatch))
    .option('--batch-size <n>', 'rows per gradient step within a mini-batch', String(onlineDefaults.batchSize))
    .option('--max-records <n>', 'largest mini-batch taken from one poll', String(onlineDefaults.maxRecords))
    .option('--save-every <when>', 'save a version every N mini-batches, every duration (30s, 500ms, 2m), or both ("10,30s")', '10,30s')
    .option('--session-timeout <ms>', 'group session timeout: how soon a killed trainer\'s place is free', String(onlineDefaults.sessionTimeout))
    .option('--keep-versions <n>', 'keep only the newest N versions of this lineage in Redis (0 keeps all)', '0')
    .option('--backend <name>', 'auto, gpu, node, wasm or cpu', 'auto')
    .option('--seed <n>', 'seed for initial weights, dropout and shuffles (reproducible runs)')
    .option('--plot <file.svg>', 'where to write the prequential accuracy plot (default <state dir>/plots/online-<group>-<version>.svg)')
    .option('--json', 'print one JSON line at the end: rows, batches, versions, prequentialAccuracy, model')
  withAppOptions(command).action(async (flags: OnlineFlags) => {
    const config = loadConfig()
    const streamTimeout = parseNumber('--stream-timeout', flags.streamTimeout, { min: -1 })
    const options = {
      kafka: config.kafka,
      redisUrl: config.redisUrl,
      registryPrefix: config.registryPrefix,
      topic: config.topics.train,
      dlqTopic: config.topics.dlq,
      groupId: flags.group,
      streamTimeout,
      epochsPerBatch: parseNumber('--epochs-per-batch', flags.epochsPerBatch, { min: 1 }),
      batchSize: parseNumber('--batch-size', flags.batchSize, { min: 1 }),
      maxRecords: parseNumber('--max-records', flags.maxRecords, { min: 1 }),
      savePolicy: parseSavePolicy(flags.saveEvery ?? '10,30s'),
      sessionTimeout: parseNumber('--session-timeout', flags.sessionTimeout, { min: 1000 }),
      keepVersions: parseNumber('--keep-versions', flags.keepVersions, { min: 0 }),
      backend: parseBackend(flags.backend),
      ...(flags.seed !== undefined ? { seed: parseNumber('--seed', flags.seed, { min: 0 }) } : {})
    }
    const tty = process.stdout.isTTY === true && flags.json !== true
    const result = await runApp('online', { ...appOptions(flags), config, topology: describe(config), lag: { kafka: config.kafka, groupId: flags.group, topics: [config.topics.train] } }, async ({ signal, logger }) => {
      return runOnline({ ...options, signal, logger, ...(tty ? { onBatch: printBatch } : {}) })
    })
    if (result === undefined) return
    const plot = result.curve.length > 0
      ? await writePrequentialPlot(resolve(flags.plot ?? `${config.stateDir}/plots/online-${flags.group}-${result.model ?? 'new'}.svg`), result, flags.group)
      : null
    process.stdout.write(flags.json === true ? JSON.stringify({ ...summary(result), plot }) + '\n' : formatResult(result) + (plot !== null ? `plot: ${plot}\n` : ''))
  })
}

/** The --json line. */
export function summary (r: OnlineResult): Record<string, unknown> {
  return {
    rows: r.rows,
    batches: r.batches,
    versions: r.versions,
    prequentialAccuracy: round4(r.prequentialAccuracy),
    prequentialLoss: round4(r.prequentialLoss),
    prequentialAuc: round4(r.prequentialAuc),
    model: r.model,
    resumedFrom: r.resumedFrom,
    deadLettered: r.deadLettered,
    backend: r.backend,
    seconds: Math.round(r.seconds * 1000) / 1000,
    rowsPerSecond: r.seconds > 0 ? Math.round(r.rows / r.seconds) : 0
  }
}

/** Prequential accuracy (running and per mini-batch) and loss over the rows of the run. */
export function writePrequentialPlot (path: string, r: OnlineResult, group: string): Promise<string> {
  const points = (pick: (p: OnlineResult['curve'][number]) => number): Array<{ x: number, y: number }> =>
    r.curve.filter(p => Number.isFinite(pick(p))).map(p => ({ x: p.rows, y: pick(p) }))
  return writeLineChart(path, {
    title: `online learning, group ${group}: prequential (test-then-train) figures, ${r.model ?? 'no version'}`,
    xLabel: 'rows learnt',
    panels: [
      [{ name: 'prequential accuracy', points: points(p => p.accuracy) }, { name: 'mini-batch accuracy', points: points(p => p.batchAccuracy) }],
      { name: 'prequential loss', points: points(p => p.loss) }
    ]
  })
}

function printBatch (p: BatchProgress): void {
  const acc = Number.isNaN(p.score.accuracy) ? '  -   ' : p.score.accuracy.toFixed(4)
  process.stdout.write(
    `batch ${String(p.batch).padStart(5)}  rows ${String(p.rows).padStart(4)} (${String(p.totalRows).padStart(7)})  ` +
    `prequential acc ${fmt(p.prequentialAccuracy)} loss ${fmt(p.prequentialLoss)}  batch acc ${acc}  ` +
    `train loss ${fmt(p.trainLoss)}  ${p.version}${p.saved ? ' (saved)' : ''}\n`)
}

function formatResult (r: OnlineResult): string {
  return `online: ${r.rows} rows in ${r.batches} mini-batches, prequential accuracy ${fmt(r.prequentialAccuracy)} ` +
    `(loss ${fmt(r.prequentialLoss)}), ${r.versions.length} version(s) saved, model ${r.model ?? 'none'} on ${r.backend}\n`
}

function fmt (n: number): string {
  return Number.isNaN(n) ? '  -   ' : n.toFixed(4)
}

function round4 (n: number): number | null {
  return Number.isFinite(n) ? Math.round(n * 10000) / 10000 : null
}
