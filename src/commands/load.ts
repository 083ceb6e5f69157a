// `streamfit load`: the tutorial's write_to_kafka. SUSY rows into susy-train / susy-test, or, with
// --spec, any CSV or JSON-lines file into the spec's topics (src/data/load-dataset.ts). Without
// --spec it is exactly the SUSY load it always was.
import type { Command } from 'commander'
import { loadConfig, parseNumber, parseReplicationFactor } from '../config.js'
import { UsageError } from '../errors.js'
import type { LoadOptions, LoadResult } from '../data/load-susy.js'
import { timing } from './figures.js'

interface LoadFlags {
  spec?: string
  replicationFactor?: string
  label?: string
  data?: string
  rows?: string
  synthetic?: string
  testFraction: string
  seed: string
  fresh?: boolean
  skipBad?: boolean
  json?: boolean
  batchSize: string
  compression: string
}

export function register (program: Command): void {
  program.command('load')
    .description('write SUSY rows to Kafka: value = the 18 features as a CSV line, key = the label (0 or 1), split into susy-train and susy-test; with --spec, any CSV or JSON-lines file into the spec\'s topics')
    .option('--spec <file>', 'dataset spec (streamfit init writes one): load --data into its train and test topics')
    .option('--data <path|url>', '.csv, .csv.gz or .zip file or http(s) URL (default: the UCI SUSY download); with --spec also .jsonl, .jsonl.gz')
    .option('--label <column>', 'with --spec, when its label is the key: the file\'s column or field holding it (default: the header column format.columns lacks, the first column, or the field "label")')
    .option('--rows <n>', 'only the first N rows (the tutorial takes 100000)')
    .option('--synthetic <n>', 'generate N stand-in rows of the same shape instead of reading data')
    .option('--test-fraction <f>', 'share of rows for the test topic (susy-test)', '0.4')
    .option('--seed <s>', 'seed of the shuffled split (and of generated rows)', '42')
    .option('--fresh', 'delete and recreate the topics first')
    .option('--skip-bad', 'skip malformed rows, reporting each, instead of stopping at the first')
    .option('--json', 'end with one JSON line of counts and speed')
    .option('--batch-size <n>', 'records per produce request', '4096')
    .option('--compression <codec>', 'none, lz4, snappy or gzip', 'none')
    .option('--replication-factor <n>', 'replicas of the topics it creates; -1 takes the cluster\'s default (env STREAMFIT_REPLICATION_FACTOR)')
    .action(async (flags: LoadFlags) => {
      if (flags.spec !== undefined) { await loadWithSpec(flags.spec, flags); return }
      const config = configFor(flags)
      if (flags.label !== undefined) throw new UsageError('--label goes with --spec (SUSY\'s label is its first column)')
      const options = toOptions(flags)
      const { loadSusy } = await import('../data/load-susy.js')
      const progress = await progressReporter(flags.json === true)
      let result: LoadResult
      try {
        result = await loadSusy(config, {
          ...options,
          onProgress: progress.update,
          onSkip: row => process.stderr.write(`skipped line ${row.line}: ${row.reason}\n`),
          onNote: text => process.stderr.write(`note: ${text}\n`)
        })
      } finally {
        progress.stop()
      }
      report(result, config.topics.train, config.topics.test, flags.json === true)
    })
}

/** The configuration, with --replication-factor for the topics load creates. */
function configFor (flags: LoadFlags): ReturnType<typeof loadConfig> {
  const config = loadConfig()
  if (flags.replicationFactor !== undefined) config.kafka.replicationFactor = parseReplicationFactor('--replication-factor', flags.replicationFactor)
  return config
}

async function loadWithSpec (file: string, flags: LoadFlags): Promise<void> {
  if (flags.data === undefined) throw new UsageError(`--spec ${file} needs --data FILE: the CSV or JSON-lines file to load into the spec's topics`)
  if (flags.synthetic !== undefined) throw new UsageError('--synthetic generates SUSY rows; with --spec give --data FILE')
  const config = configFor(flags)
  const { readSpec } = await import('../spec/load-spec.js')
  const spec = await readSpec(file)
  const options = toOptions(flags)
  const { loadDataset } = await import('../data/load-dataset.js')
  const progress = await progressReporter(flags.json === true)
  let result
  try {
    result = await loadDataset(config, spec, {
      ...options,
      data: flags.data,
      ...(flags.label !== undefined ? { labelFrom: flags.label } : {}),
      onProgress: progress.update,
      onSkip: row => process.stderr.write(`skipped line ${row.line}: ${row.reason}\n`),
      onNote: text => process.stderr.write(`note: ${text}\n`)
    })
  } finally {
    progress.stop()
  }
  const keys = { label: 'key = the label', id: 'key = the id', none: 'no key (round-robin over partitions)' }[result.keyed]
  report({ ...result, synthetic: false }, spec.topics.train.name, spec.topics.test.name, flags.json === true, keys)
}

function toOptions (flags: LoadFlags): LoadOptions {
  if (flags.data !== undefined && flags.synthetic !== undefined) throw new UsageError('give --data or --synthetic, not both')
  if (flags.rows !== undefined && flags.synthetic !== undefined) throw new UsageError('--rows takes the first rows of --data; with --synthetic N, N is the number of rows')
  const compression = flags.compression
  if (compression !== 'none' && compression !== 'lz4' && compression !== 'snappy' && compression !== 'gzip') {
    throw new UsageError(`--compression expects none, lz4, snappy or gzip, got "${compression}"`)
  }
  return {
    ...(flags.data !== undefined ? { data: flags.data } : {}),
    ...(flags.rows !== undefined ? { rows: parseNumber('--rows', flags.rows, { min: 1 }) } : {}),
    ...(flags.synthetic !== undefined ? { synthetic: parseNumber('--synthetic', flags.synthetic, { min: 1 }) } : {}),
    testFraction: fraction(flags.testFraction),
    seed: parseNumber('--seed', flags.seed, { min: 0 }),
    fresh: flags.fresh === true,
    skipBad: flags.skipBad === true,
    batchSize: parseNumber('--batch-size', flags.batchSize, { min: 1 }),
    compression
  }
}

function fraction (text: string): number {
  const f = parseNumber('--test-fraction', text, { integer: false, min: 0 })
  if (f > 1) throw new UsageError(`--test-fraction expects a number from 0 to 1, got "${text}"`)
  return f
}

function report (r: Omit<LoadResult, 'writeSeconds'>, train: string, test: string, json: boolean, keys?: string): void {
  const origin = r.synthetic ? ' synthetic (generated)' : ''
  if (r.skipped.length > 0) process.stderr.write(`skipped ${r.skipped.length} malformed row${r.skipped.length === 1 ? '' : 's'} (listed above)\n`)
  const rate = Math.round(r.recordsPerSecond)
  if (json) {
    // Spaced as the contract shows it; still one line of valid JSON.
    // Loading is never idle: busy and wall time are the same run.
    const { wallSeconds, busySeconds } = timing(r.seconds, r.seconds)
    const more = keys === undefined ? '' : `, "skipped": ${r.skipped.length}`
    process.stdout.write(`{${JSON.stringify(train)}: ${r.train}, ${JSON.stringify(test)}: ${r.test}, "wallSeconds": ${wallSeconds}, "busySeconds": ${busySeconds}, "recordsPerSecond": ${rate}, "synthetic": ${r.synthetic}${more}}\n`)
  } else {
    process.stdout.write(`wrote ${r.train}${origin} rows to ${train} and ${r.test} to ${test} in ${r.seconds.toFixed(2)} s (${rate.toLocaleString('en-US')} records/s${keys === undefined ? '' : `; ${keys}`})\n`)
  }
}

interface Progress {
  update: (phase: 'read' | 'write', done: number, total: number | undefined) => void
  stop: () => void
}

/** A cli-progress bar on a terminal (stderr); nothing when piped or with --json. */
async function progressReporter (quiet: boolean): Promise<Progress> {
  if (quiet || process.stderr.isTTY !== true) return { update: () => {}, stop: () => {} }
  const { SingleBar, Presets } = await import('cli-progress')
  let bar: InstanceType<typeof SingleBar> | null = null
  let phase = ''
  return {
    update (next, done, total) {
      if (phase !== next) {
        bar?.stop()
        phase = next
        bar = new SingleBar({ format: `${next === 'read' ? 'reading' : 'writing'} {bar} {value}/{total} rows {percentage}% | {eta_formatted} left`, stream: process.stderr, hideCursor: true, etaBuffer: 50 }, Presets.shades_classic)
        bar.start(total ?? done, done)
      }
      if (total === undefined) bar?.setTotal(done)
      bar?.update(done)
    },
    stop () { bar?.stop() }
  }
}
