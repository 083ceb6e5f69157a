// The side-by-side benchmark: streamfit and the TensorFlow I/O tutorial's pipeline
// (bench/tfio/tutorial.py) on the same broker and the same rows, in one run, alternating stage by
// stage (the order flips from one data set to the next, so drifting machine load hits both).
// Every stage is its own process under `time -v` (peak RSS, same method both sides). Writes
// bench/results.json, bench/results.md and bench/results.png. Run it with bench/run.
//
//   node dist/bench/side-by-side/main.js [--quick] [--no-profile] [--out DIR]
//   node dist/bench/side-by-side/main.js --report-only [--out DIR]     # re-render from results.json
// Brokers and Redis: KAFKA_BROKERS, REDIS_URL (bench/run makes sure they answer).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { insertSection, sectionOf } from '../kafka-streams/report.js'
import { insertSection as insertOwnTopic, sectionOf as ownTopicOf } from '../datasets/report.js'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../../src/config.js'
import { readSusySample } from '../../src/data/sample.js'
import { writeChartPng } from './chart.js'
import { prepareDataset, type Dataset } from './datasets.js'
import { busiestProcesses, describeMachine, loadAverage, localBrokerVersion, nodeVersions } from './machine.js'
import { chartBars, type Results } from './report-figures.js'
import { renderReport } from './report.js'
import { Runner, type Plan } from './runner.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PYTHON = join(ROOT, 'bench/tfio/.venv/bin/python')
const TUTORIAL = join(ROOT, 'bench/tfio/tutorial.py')
// The repository's 8k real SUSY rows, unzipped once (tutorial.py reads plain CSV).
const REAL_CSV = join(ROOT, 'bench/tfio/.state/susy-8k.csv')
const SYNTHETIC_SEED = 7


function plans (quick: boolean): Plan[] {
  const real: Plan = { name: 'susy-8k', origin: 'the 8k real SUSY rows (data/susy-8k.csv.gz)', source: REAL_CSV, trainEpochs: 10, onlineEpochs: 3, scoreRounds: 1 }
  const synthetic = (rows: number, name: string, trainEpochs: number, onlineEpochs: number | null, scoreRounds: number): Plan =>
    ({ scoreRounds, name, origin: `${rows.toLocaleString('en-US')} synthetic rows (tutorial.py gen --seed ${SYNTHETIC_SEED}: bootstrap of the real rows + 5% jitter)`, source: rows, trainEpochs, onlineEpochs })
  return quick
    ? [real, synthetic(100_000, 'synthetic-100k', 1, 1, 3)]
    : [real, synthetic(100_000, 'synthetic-100k', 10, 3, 3), synthetic(1_000_000, 'synthetic-1m', 1, null, 1)]
}

interface Args { quick: boolean, profile: boolean, out: string, reportOnly: boolean }

function parseArgs (argv: string[]): Args {
  const args: Args = { quick: false, profile: true, out: join(ROOT, 'bench'), reportOnly: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--quick') args.quick = true
    else if (a === '--no-profile') args.profile = false
    else if (a === '--report-only') args.reportOnly = true
    else if (a === '--out') args.out = resolve(argv[++i] ?? '.')
    else throw new Error(`unknown argument ${a} (expected --quick, --no-profile, --out DIR, --report-only)`)
  }
  return args
}


function syntheticCsv (rows: number, workDir: string): string {
  const file = join(workDir, `susy-synthetic-${rows}-seed${SYNTHETIC_SEED}.csv`)
  if (!existsSync(file)) {
    process.stderr.write(`[bench] generating ${rows} synthetic rows once: ${file}\n`)
    execFileSync(PYTHON, [TUTORIAL, 'gen', '--rows', String(rows), '--seed', String(SYNTHETIC_SEED), '--out', file], { stdio: ['ignore', 'ignore', 'inherit'] })
  }
  return file
}

function tfioVersions (): Record<string, unknown> {
  try {
    return JSON.parse(execFileSync(PYTHON, [TUTORIAL, 'versions'], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>
  } catch (error) {
    return { error: (error as Error).message }
  }
}

async function main (): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const jsonPath = join(args.out, 'results.json')
  if (args.reportOnly) {
    const results = JSON.parse(readFileSync(jsonPath, 'utf8')) as Results
    await writeOutputs(results, args.out)
    return
  }
  const config = loadConfig()
  if (!existsSync(REAL_CSV)) {
    mkdirSync(dirname(REAL_CSV), { recursive: true })
    writeFileSync(REAL_CSV, readSusySample())
  }
  const workDir = join(ROOT, '.streamfit', 'bench')
  mkdirSync(join(workDir, 'logs'), { recursive: true })
  const runId = `sbs${Date.now().toString(36)}`
  const logFile = join(workDir, 'logs', `${runId}.log`)
  const started = new Date()
  const runner = new Runner(config, workDir, runId, logFile)
  const sampler = setInterval(() => runner.loadSamples.push({ at: new Date().toISOString(), load1: loadAverage()[0] }), 15_000)
  runner.log(`run ${runId}${args.quick ? ' (quick)' : ''} against ${config.kafka.brokers.join(',')}, Redis ${config.redisUrl}; stage logs in ${logFile}`)
  const loadAtStart = loadAverage()
  const busyAtStart = await busiestProcesses()
  const datasets: Array<Dataset & { trainEpochs: number, onlineEpochs: number | null }> = []
  try {
    const all = plans(args.quick)
    for (let i = 0; i < all.length; i++) {
      const plan = all[i]
      const csv = typeof plan.source === 'number' ? syntheticCsv(plan.source, workDir) : plan.source
      const ds = prepareDataset(plan.name, plan.origin, csv, workDir)
      datasets.push({ ...ds, trainEpochs: plan.trainEpochs, onlineEpochs: plan.onlineEpochs })
      const streamfitFirst = i % 2 === 1
      runner.log(`data set ${ds.name}: ${ds.rows} rows (${ds.trainRows} train, ${ds.testRows} test), ${streamfitFirst ? 'streamfit' : 'tfio'} first in each stage`)
      try {
        await runner.runDataset(plan, ds, streamfitFirst)
        if (i === 0 && args.profile) await runner.profile(ds)
      } finally {
        await runner.cleanup(ds)
      }
    }
  } finally {
    clearInterval(sampler)
  }
  const busyAtEnd = await busiestProcesses()
  const finished = new Date()
  const results: Results = {
    date: started.toISOString(),
    durationSeconds: Math.round((finished.getTime() - started.getTime()) / 1000),
    quick: args.quick,
    command: `bench/run${args.quick ? ' --quick' : ''}`,
    brokers: config.kafka.brokers.join(','),
    machine: describeMachine(),
    loadAverageStart: loadAtStart,
    loadAverageEnd: loadAverage(),
    loadSamples: runner.loadSamples,
    busiestProcessesAtStart: busyAtStart,
    busiestProcessesAtEnd: busyAtEnd,
    versions: { ...nodeVersions(ROOT), broker: localBrokerVersion(runner.brokerPid) ?? 'unknown (not a local process)', tfio: tfioVersions() },
    datasets: datasets.map(d => ({ name: d.name, origin: d.origin, rows: d.rows, trainRows: d.trainRows, testRows: d.testRows, trainEpochs: d.trainEpochs, onlineEpochs: d.onlineEpochs })),
    results: runner.results
  }
  writeFileSync(jsonPath, JSON.stringify(results, null, 2) + '\n')
  await writeOutputs(results, args.out)
  runner.log(`done in ${results.durationSeconds} s: ${join(args.out, 'results.md')}, results.png, results.json`)
  const failed = runner.results.filter(r => r.error !== undefined)
  if (failed.length > 0) {
    runner.log(`${failed.length} stage(s) failed: ${failed.map(f => `${f.system} ${f.stage} ${f.dataset}`).join('; ')}`)
    process.exitCode = 1
  }
}

async function writeOutputs (results: Results, out: string): Promise<void> {
  const md = join(out, 'results.md')
  // The Kafka Streams section (bench/versus) survives a re-render of this report.
  // So does the public data sets' section (bench/datasets/streamfit.ts).
  const before = existsSync(md) ? readFileSync(md, 'utf8') : ''
  const versus = sectionOf(before)
  const ownTopic = ownTopicOf(before)
  writeFileSync(md, renderReport(results))
  if (versus !== null) insertSection(md, versus)
  if (ownTopic !== null) insertOwnTopic(md, ownTopic)
  const subtitle = `${results.machine.cores} cores (${results.machine.cpuModel}), load average ${results.loadAverageStart[0]} at start; ${results.date.slice(0, 16).replace('T', ' ')} UTC; ${results.command}`
  await writeChartPng(join(out, 'results.png'), chartBars(results), 'streamfit vs the TensorFlow I/O tutorial: same broker, same rows', subtitle)
  process.stdout.write(renderReport(results).split('\n## ')[0] + '\n')
}

await main()
process.exit(process.exitCode ?? 0)
