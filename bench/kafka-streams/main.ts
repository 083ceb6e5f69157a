// streamfit against the system users would otherwise pick: a Kafka Streams 4.1.1 pass-through app
// (CSV -> JSON per record, no model; bench/kafka-streams/src) on the same broker and rows, in one run.
//   throughput: Kafka Streams at-least-once and exactly_once_v2 (commit interval 100 ms) vs
//               `streamfit score` on the native and WASM backends, both guarantees, rounds interleaved
//   latency:    input append -> output visible to a read_committed reader at a fixed 5,000 records/s
//   memory:     the scorer's RSS sampled over --rss-records (default 5,000,000)
//   training:   Kafka-fed `train` vs in-memory fit on the native backend, batch 64 and 1024 (bench/train.ts)
// Writes bench/kafka-streams/results.json and its section of bench/results.md. Run with bench/versus
// (or bench/run, which calls it after the side-by-side benchmark).
//
//   node dist/bench/kafka-streams/main.js [--records 1000000] [--rounds 1] [--batch-size 1024] [--latency-seconds 60]
//     [--rss-records 5000000] [--only throughput,latency,rss,train] [--quick] [--guarantees exactly_once_v2,at_least_once] [--backends node,wasm]
//     [--ks-batch-bytes 262144] [--ks-linger-ms 5] [--no-ks-stock]
// The Kafka Streams anchor is the app tuned for throughput (producer batch.size 256 KiB, linger.ms 5;
// --ks-batch-bytes/--ks-linger-ms change it); throughput also runs the stock app (16 KiB) beside it
// unless --no-ks-stock, so the report gives streamfit's ratio to both.
//   node dist/bench/kafka-streams/main.js --report-only [--note TEXT]   re-render from kafka-streams-results.json
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, parseNumber } from '../../src/config.js'
import { deleteTopics, ensureTopics, withAdmin } from '../../src/kafka/admin.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { syntheticRow, writeSynthetic } from '../../test/support/synthetic.js'
import { processCpuSeconds } from '../side-by-side/machine.js'
import { buildJava, createLogAppendTopic, DEFAULT_BATCH_BYTES, probeLatency, TUNED_PRODUCER, type Guarantee, type LatencyFigures } from './java.js'
import { cliNodeFlags } from '../cli-node-flags.js'
import { label, newGroup, startApp, variant, type Started, type System } from './apps.js'
import { followGroup, rssMiB, stop } from './follow.js'
import { insertSection, renderSection, type Results } from './report.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SECTIONS = ['throughput', 'latency', 'rss', 'train'] as const
type Section = typeof SECTIONS[number]

interface Args { backends: Array<'node' | 'wasm'>, ksBatchBytes: number, ksLingerMs: number, ksStock: boolean, guarantees: Guarantee[], records: number, rounds: number, batchSize: number, latencySeconds: number, rssRecords: number, only: Set<Section>, out: string, reportOnly: boolean, note?: string }

function parseArgs (argv: string[]): Args {
  const args: Args = { backends: ['node', 'wasm'], ksBatchBytes: TUNED_PRODUCER.batchBytes, ksLingerMs: TUNED_PRODUCER.lingerMs, ksStock: true, guarantees: ['exactly_once_v2', 'at_least_once'], records: 1_000_000, rounds: 1, batchSize: 1024, latencySeconds: 60, rssRecords: 5_000_000, only: new Set(SECTIONS), out: join(ROOT, 'bench'), reportOnly: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = (): string => argv[++i] ?? ''
    if (a === '--records') args.records = parseNumber(a, value(), { min: 1000 })
    else if (a === '--rounds') args.rounds = parseNumber(a, value(), { min: 1 })
    else if (a === '--batch-size') args.batchSize = parseNumber(a, value(), { min: 1 })
    else if (a === '--latency-seconds') args.latencySeconds = parseNumber(a, value(), { min: 15 })
    else if (a === '--rss-records') args.rssRecords = parseNumber(a, value(), { min: 10_000 })
    else if (a === '--ks-batch-bytes') args.ksBatchBytes = parseNumber(a, value(), { min: DEFAULT_BATCH_BYTES })
    else if (a === '--ks-linger-ms') args.ksLingerMs = parseNumber(a, value(), { min: 0 })
    else if (a === '--no-ks-stock') args.ksStock = false
    else if (a === '--backends') args.backends = value().split(',').map(b => { if (b !== 'node' && b !== 'wasm') throw new Error('--backends takes node,wasm'); return b })
    else if (a === '--guarantees') args.guarantees = value().split(',').map(g => { if (g !== 'exactly_once_v2' && g !== 'at_least_once') throw new Error('--guarantees takes exactly_once_v2,at_least_once'); return g })
    else if (a === '--out') args.out = value()
    else if (a === '--report-only') args.reportOnly = true
    else if (a === '--note') args.note = value()
    else if (a === '--only') args.only = new Set(value().split(',').map(s => { if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only takes ${SECTIONS.join(',')}`); return s as Section }))
    else if (a === '--quick') Object.assign(args, { records: 300_000, latencySeconds: 30, rssRecords: 1_000_000 })
    else throw new Error(`unknown argument ${a}`)
  }
  return args
}

const config = loadConfig()
const kafka = config.kafka
const brokers = kafka.brokers.join(',')
const runId = randomBytes(3).toString('hex')
const topicsToDelete: string[] = []
const loadSamples: number[] = []

function log (text: string): void {
  loadSamples.push(loadavg()[0]!)
  process.stderr.write(`[versus ${new Date().toISOString().slice(11, 19)} load ${loadavg()[0]!.toFixed(1)}] ${text}\n`)
}

function name (what: string): string {
  const topic = `versus-${runId}-${what}`
  topicsToDelete.push(topic)
  return topic
}

/** The tutorial's MLP, seeded and untrained (the compute per record is what matters), in the registry. */
async function storeModel (prefix: string): Promise<void> {
  const runner = await ModelRunner.create({ backend: 'cpu', seed: 7 })
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix })
  try {
    await registry.save({ name: 'susy', snapshot: await runner.snapshot(), backend: runner.backend, rows: 0, epochs: 0 })
  } finally {
    await registry.close()
    await runner.close()
  }
}

function start (system: System, guarantee: Guarantee, input: string, output: string, prefix: string, batchSize: number): Started {
  const group = newGroup(runId)
  return startApp(system, { kafka, guarantee, input, output, prefix, batchSize, group, dlq: name(`dlq-${group.slice(-4)}`) })
}

async function throughput (args: Args, prefix: string): Promise<Results['throughput']> {
  const input = name('in')
  log(`writing ${args.records.toLocaleString('en-US')} synthetic SUSY rows to ${input} (2 partitions)`)
  await writeSynthetic(kafka, input, args.records, { partitions: 2 })
  const runs: Results['throughput'] = []
  const tuned: System = { kind: 'kafka-streams', producer: { batchBytes: args.ksBatchBytes, lingerMs: args.ksLingerMs } }
  const systems: System[] = [tuned, ...(args.ksStock ? [{ kind: 'kafka-streams' } as System] : []), ...args.backends.map(backend => ({ kind: 'streamfit', backend }) as System)]
  for (let round = 0; round < args.rounds; round++) {
    for (const guarantee of round % 2 === 0 ? args.guarantees : [...args.guarantees].reverse()) {
      // Rotate the order each round so a drifting machine load does not always favour one side.
      const order = systems.map((_, i) => systems[(i + round) % systems.length]!)
      for (const system of order) {
        const output = name(`out-${runs.length}`)
        await ensureTopics(kafka, [{ name: output, partitions: 2 }])
        const load1 = loadavg()[0]!
        const app = start(system, guarantee, input, output, prefix, args.batchSize)
        try {
          const progress = await followGroup(kafka, app.group, input, args.records, app.child)
          const cpu = processCpuSeconds(app.child.pid ?? null)
          runs.push({ system: label(system), backend: system.kind === 'streamfit' ? system.backend : 'none', ...(variant(system) !== undefined ? { producer: variant(system) } : {}), guarantee, round: round + 1, recordsPerSecond: Math.round(progress.recordsPerSecond), cpuSeconds: cpu, load1 })
          log(`${label(system)}, ${guarantee}: ${Math.round(progress.recordsPerSecond).toLocaleString('en-US')} records/s (process CPU ${cpu.toFixed(1)} s)`)
        } finally {
          await stop(app.child)
        }
      }
    }
  }
  return runs
}

function rowsFile (dir: string): string {
  const file = join(dir, 'rows.csv')
  writeFileSync(file, Array.from({ length: 10_000 }, (_, i) => { const r = syntheticRow(i); return `${r.key},${r.value}` }).join('\n') + '\n')
  return file
}

async function latency (args: Args, prefix: string, dir: string): Promise<Results['latency']> {
  const rows = rowsFile(dir)
  const out: Results['latency'] = []
  const ks: System = { kind: 'kafka-streams', producer: { batchBytes: args.ksBatchBytes, lingerMs: args.ksLingerMs } }
  const cases: Array<[System, Guarantee]> = [[ks, 'exactly_once_v2'], [{ kind: 'streamfit', backend: 'node' }, 'exactly_once_v2'],
    [ks, 'at_least_once'], [{ kind: 'streamfit', backend: 'node' }, 'at_least_once']]
  for (const [system, guarantee] of cases) {
    const input = name(`lat-in-${out.length}`)
    const output = name(`lat-out-${out.length}`)
    createLogAppendTopic(brokers, input, 2)
    await ensureTopics(kafka, [{ name: output, partitions: 2 }])
    const app = start(system, guarantee, input, output, prefix, args.batchSize)
    try {
      await app.ready
      const load1 = loadavg()[0]!
      const figures: LatencyFigures = await probeLatency(brokers, input, output, 5000, args.latencySeconds, rows, 10)
      out.push({ system: label(system), backend: system.kind === 'streamfit' ? system.backend : 'none', guarantee, ...figures, load1 })
      log(`latency ${label(system)}, ${guarantee}: p50 ${figures.p50} ms, p99 ${figures.p99} ms (${figures.measured} measured, ${figures.missing} missing, ${figures.rate} records/s sent)`)
    } finally {
      await stop(app.child)
    }
  }
  return out
}

async function rss (args: Args, prefix: string): Promise<Results['rss']> {
  const input = name('rss-in')
  const output = name('rss-out')
  log(`writing ${args.rssRecords.toLocaleString('en-US')} rows for the memory run`)
  await writeSynthetic(kafka, input, args.rssRecords, { partitions: 2 })
  await ensureTopics(kafka, [{ name: output, partitions: 2 }])
  const app = start({ kind: 'streamfit', backend: 'node' }, 'exactly_once_v2', input, output, prefix, args.batchSize)
  const samples: Array<{ seconds: number, rssMiB: number }> = []
  const t0 = performance.now()
  const sampler = setInterval(() => { samples.push({ seconds: Math.round((performance.now() - t0) / 100) / 10, rssMiB: Math.round(rssMiB(app.child.pid!)) }) }, 1000)
  try {
    const progress = await followGroup(kafka, app.group, input, args.rssRecords, app.child)
    log(`memory run: ${args.rssRecords.toLocaleString('en-US')} records at ${Math.round(progress.recordsPerSecond).toLocaleString('en-US')} records/s`)
  } finally {
    clearInterval(sampler)
    await stop(app.child)
  }
  const valid = samples.filter(s => Number.isFinite(s.rssMiB))
  // Warm-up: the first fifth of the run (model load, first allocations of the client and TensorFlow).
  const steady = valid.slice(Math.floor(valid.length / 5)).map(s => s.rssMiB)
  const sorted = [...steady].sort((a, b) => a - b)
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
  const min = sorted[0] ?? Number.NaN
  const max = sorted[sorted.length - 1] ?? Number.NaN
  const flat = max <= median * 1.1 && min >= median * 0.9
  log(`memory: RSS after warm-up ${min}-${max} MiB, median ${median} MiB: ${flat ? 'flat' : 'NOT flat'} (±10%)`)
  return { records: args.rssRecords, backend: 'node', guarantee: 'exactly_once_v2', samples: valid, minMiB: min, maxMiB: max, medianMiB: median, flat }
}

function train (): Results['train'] {
  const out: Results['train'] = []
  for (const batchSize of [64, 1024]) {
    log(`training: Kafka-fed vs in-memory, native backend, batch ${batchSize}`)
    // The CLI's Node flags, as `npx streamfit train` runs with them.
    const stdout = execFileSync(process.execPath, [...cliNodeFlags(), join(ROOT, 'dist/bench/train.js'), '--backend', 'node', '--batch-size', String(batchSize), '--synthetic', '100000', '--epochs', '3', '--rounds', '3', '--json'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 })
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { rows: number, results: Array<{ variant: string, rowsPerSecond: number, ratio: number }> }
    for (const r of result.results) out.push({ batchSize, rows: result.rows, variant: r.variant, rowsPerSecond: r.rowsPerSecond, ratio: r.ratio })
  }
  return out
}

async function main (): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (args.reportOnly) {
    // Re-render the section from the last results (with a note, e.g. how they were gathered).
    const saved = JSON.parse(readFileSync(join(args.out, 'kafka-streams-results.json'), 'utf8')) as Results
    if (args.note !== undefined) saved.note = args.note
    writeFileSync(join(args.out, 'kafka-streams-results.json'), JSON.stringify(saved, null, 2) + '\n')
    insertSection(join(args.out, 'results.md'), renderSection(saved))
    return
  }
  buildJava(log)
  const prefix = `versus-${runId}:`
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-versus-'))
  const startedAt = new Date().toISOString()
  const t0 = performance.now()
  const resultsFile = join(args.out, 'kafka-streams-results.json')
  let previous: Partial<Results> = {}
  try { previous = JSON.parse(readFileSync(resultsFile, 'utf8')) as Results } catch { /* first run */ }
  const results: Results = { startedAt, minutes: 0, records: args.only.has('throughput') ? args.records : previous.records ?? args.records, batchSize: args.batchSize, brokers, cpus: (await import('node:os')).cpus().length, load: [], throughput: previous.throughput ?? [], latency: previous.latency ?? [], rss: previous.rss ?? null, train: previous.train ?? [] }
  try {
    await storeModel(prefix)
    if (args.only.has('throughput')) results.throughput = await throughput(args, prefix)
    if (args.only.has('latency')) results.latency = await latency(args, prefix, dir)
    if (args.only.has('rss')) results.rss = await rss(args, prefix)
    if (args.only.has('train')) results.train = train()
  } finally {
    await deleteTopics(kafka, topicsToDelete).catch(() => {})
    rmSync(dir, { recursive: true, force: true })
    const { Redis } = await import('ioredis')
    const redis = new Redis(config.redisUrl)
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  }
  results.minutes = Math.round((performance.now() - t0) / 6000) / 10
  results.load = [Math.min(...loadSamples), Math.max(...loadSamples)]
  writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n')
  const section = renderSection(results)
  insertSection(join(args.out, 'results.md'), section)
  process.stdout.write(section)
}

await main()
