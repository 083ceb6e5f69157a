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
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, type Config } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { susyTopics } from '../../src/data/load-susy.js'
import { readSusySample } from '../../src/data/sample.js'
import { writeChartPng } from './chart.js'
import { prepareDataset, SPLIT_SEED, TEST_FRACTION, type Dataset } from './datasets.js'
import { busiestProcesses, describeMachine, loadAverage, localBrokerPid, localBrokerVersion, nodeVersions, processCpuSeconds } from './machine.js'
import { runMeasured, StageFailed } from './measure.js'
import { chartBars, renderReport, type Results, type StageResult, type System } from './report.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PYTHON = join(ROOT, 'bench/tfio/.venv/bin/python')
const TUTORIAL = join(ROOT, 'bench/tfio/tutorial.py')
// The repository's 8k real SUSY rows, unzipped once (tutorial.py reads plain CSV).
const REAL_CSV = join(ROOT, 'bench/tfio/.state/susy-8k.csv')
const STREAMFIT = join(ROOT, 'bin/streamfit.js')
const STAGE = join(ROOT, 'dist/bench/side-by-side/stage.js')
const TRAIN_BENCH = join(ROOT, 'dist/bench/train.js')
const SYNTHETIC_SEED = 7

interface Plan {
  name: string
  origin: string
  /** Real file, or a number of synthetic rows made once with `tutorial.py gen`. */
  source: string | number
  trainEpochs: number
  /** Epochs per online mini-batch (the tutorial: 3); null skips the online stage. */
  onlineEpochs: number | null
  /** Rounds of the scoring stages (median reported). */
  scoreRounds: number
}

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

class Runner {
  readonly results: StageResult[] = []
  readonly loadSamples: Array<{ at: string, load1: number }> = []
  #order = 0
  readonly brokerPid: number | null

  constructor (readonly config: Config, readonly workDir: string, readonly runId: string, readonly logFile: string) {
    this.brokerPid = localBrokerPid(config.kafka.brokers.join(','))
  }

  log (text: string): void {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`)
  }

  sfEnv (ds: Dataset): NodeJS.ProcessEnv {
    const base = `${this.runId}-${ds.name}`
    return {
      ...process.env,
      KAFKA_BROKERS: this.config.kafka.brokers.join(','),
      REDIS_URL: this.config.redisUrl,
      STREAMFIT_TRAIN_TOPIC: `${base}-train`,
      STREAMFIT_TEST_TOPIC: `${base}-test`,
      STREAMFIT_PREDICTIONS_TOPIC: `${base}-predictions`,
      STREAMFIT_DLQ_TOPIC: `${base}-dlq`,
      STREAMFIT_REGISTRY_PREFIX: `${this.runId}:${ds.name}:`,
      STREAMFIT_HOME: join(this.workDir, 'home'),
      STREAMFIT_LOG_LEVEL: 'warn'
    }
  }

  tfioPrefix (ds: Dataset): string { return `tfio-${this.runId}-${ds.name}` }

  async stage (ds: Dataset, system: System, stage: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<StageResult> {
    const label = `${system} ${stage} ${ds.name}`
    this.log(`${label} ...`)
    const order = ++this.#order
    const brokerCpu = processCpuSeconds(this.brokerPid)
    try {
      const m = await runMeasured(command, args, { env, cwd: ROOT, logFile: this.logFile, label })
      const result: StageResult = {
        order, dataset: ds.name, system, stage, json: m.json, ...(m.lines.length > 1 ? { lines: m.lines } : {}),
        peakRssMb: m.peakRssMb,
        cpuSeconds: round3(m.cpuSeconds),
        brokerCpuSeconds: round3(processCpuSeconds(this.brokerPid) - brokerCpu),
        processSeconds: round3(m.processSeconds),
        load1: loadAverage()[0]
      }
      this.results.push(result)
      this.log(`${label}: ${summarize(m.json)}, peak RSS ${m.peakRssMb} MB`)
      return result
    } catch (error) {
      const message = error instanceof StageFailed ? error.message : String(error)
      this.log(message)
      const result: StageResult = { order, dataset: ds.name, system, stage, json: {}, error: message, peakRssMb: NaN, cpuSeconds: NaN, brokerCpuSeconds: NaN, processSeconds: NaN, load1: loadAverage()[0] }
      this.results.push(result)
      return result
    }
  }

  // ---- one stage per system

  tfio (ds: Dataset, stage: string, extra: string[]): Promise<StageResult> {
    const args = [TUTORIAL, stage, '--brokers', this.config.kafka.brokers.join(','), '--prefix', this.tfioPrefix(ds), '--state-dir', join(this.workDir, 'tfio-state'), '--dataset', ds.name, ...extra]
    return this.stage(ds, 'tfio', stage, PYTHON, args, { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' })
  }

  streamfit (ds: Dataset, stage: string, args: string[]): Promise<StageResult> {
    return this.stage(ds, 'streamfit', stage, process.execPath, args, this.sfEnv(ds))
  }

  /** Runs the two systems' versions of a stage, in the given order. */
  async pair (streamfitFirst: boolean, tfio: () => Promise<unknown>, streamfit: () => Promise<unknown>): Promise<void> {
    if (streamfitFirst) { await streamfit(); await tfio() } else { await tfio(); await streamfit() }
  }

  async runDataset (plan: Plan, ds: Dataset, streamfitFirst: boolean): Promise<void> {
    const sfConfig = loadConfig(this.sfEnv(ds))
    // Topics exist before the timed load on both sides (the tutorial's script creates its own
    // untimed), so neither figure includes topic creation.
    await ensureTopics(sfConfig.kafka, susyTopics(sfConfig))
    const ok = (r: StageResult | undefined): boolean => r !== undefined && r.error === undefined
    const find = (system: System, stage: string): StageResult | undefined => this.results.find(r => r.dataset === ds.name && r.system === system && r.stage === stage)

    await this.pair(streamfitFirst,
      () => this.tfio(ds, 'load', ['--csv', ds.tfioCsv, '--test-fraction', String(TEST_FRACTION)]),
      () => this.streamfit(ds, 'load', [STREAMFIT, 'load', '--data', ds.csv, '--seed', String(SPLIT_SEED), '--test-fraction', String(TEST_FRACTION), '--json']))
    const tfioLoaded = ok(find('tfio', 'load'))
    const sfLoaded = ok(find('streamfit', 'load'))

    await this.pair(streamfitFirst,
      async () => { if (tfioLoaded) await this.tfio(ds, 'train', ['--epochs', String(plan.trainEpochs)]) },
      async () => { if (sfLoaded) await this.streamfit(ds, 'train', [STREAMFIT, 'train', '--epochs', String(plan.trainEpochs), '--seed', '1', '--json']) })
    const tfioTrained = ok(find('tfio', 'train'))
    const sfTrained = ok(find('streamfit', 'train'))
    // Accuracy/AUC of streamfit's model on the test rows (tfio's score stage evaluates the same rows).
    if (sfTrained) await this.streamfit(ds, 'evaluate', [STREAMFIT, 'evaluate', '--data', ds.testCsv, '--json'])

    const group = (what: string): string => `${this.runId}-${ds.name}-${what}`
    // Scoring is short and noisy: several rounds, the order flipping each round; the report
    // takes the median of each figure.
    for (let round = 1; round <= plan.scoreRounds; round++) {
      await this.pair(streamfitFirst === (round % 2 === 1),
        async () => { if (tfioTrained) await this.tfio(ds, 'score', ['--group', group(`tfio-score-${round}`)]) },
        async () => {
          if (!sfTrained) return
          await this.streamfit(ds, 'score', [STAGE, 'score', '--group', group(`score-eos-${round}`), '--guarantee', 'exactly-once'])
          await this.streamfit(ds, 'score-at-least-once', [STAGE, 'score', '--group', group(`score-alos-${round}`), '--guarantee', 'at-least-once'])
        })
    }

    if (plan.onlineEpochs !== null) {
      const epochs = String(plan.onlineEpochs)
      await this.pair(streamfitFirst,
        async () => { if (tfioTrained) await this.tfio(ds, 'online', ['--group', group('tfio-online'), '--epochs', epochs, '--stop-when-drained']) },
        async () => { if (sfTrained) await this.streamfit(ds, 'online', [STAGE, 'online', '--group', group('online'), '--expected', String(ds.trainRows), '--epochs-per-batch', epochs]) })
    }
  }

  /** Where training time goes, both sides: the same rows fed from memory vs from Kafka. */
  async profile (ds: Dataset): Promise<void> {
    await this.tfio(ds, 'profile-train', ['--csv', ds.tfioCsv, '--epochs', '1'])
    const env = { ...process.env, KAFKA_BROKERS: this.config.kafka.brokers.join(',') }
    await this.stage(ds, 'streamfit', 'profile-train', process.execPath, [TRAIN_BENCH, '--epochs', '1', '--rounds', '1', '--backend', 'wasm', '--json'], env)
  }

  async cleanup (ds: Dataset): Promise<void> {
    const sfConfig = loadConfig(this.sfEnv(ds))
    const prefix = this.tfioPrefix(ds)
    await deleteTopics(this.config.kafka, [...susyTopics(sfConfig).map(t => t.name), `${prefix}-train`, `${prefix}-test`]).catch(error => this.log(`could not delete topics: ${(error as Error).message}`))
    const { Redis } = await import('ioredis')
    const redis = new Redis(this.config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
    try {
      await redis.connect()
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${sfConfig.registryPrefix}*`, 'COUNT', 500)
        if (keys.length > 0) await redis.unlink(...keys)
        cursor = next
      } while (cursor !== '0')
    } catch (error) {
      this.log(`could not delete registry keys: ${(error as Error).message}`)
    } finally {
      redis.disconnect()
    }
  }
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000

function summarize (json: Record<string, unknown>): string {
  const keys = ['records', 'rows', 'recordsPerSecond', 'rowsPerSecond', 'steadyRecordsPerSecond', 'seconds', 'accuracy', 'auc']
  return keys.filter(k => json[k] !== undefined).map(k => `${k} ${String(json[k])}`).join(', ')
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
  writeFileSync(join(out, 'results.md'), renderReport(results))
  const subtitle = `${results.machine.cores} cores (${results.machine.cpuModel}), load average ${results.loadAverageStart[0]} at start; ${results.date.slice(0, 16).replace('T', ' ')} UTC; ${results.command}`
  await writeChartPng(join(out, 'results.png'), chartBars(results), 'streamfit vs the TensorFlow I/O tutorial: same broker, same rows', subtitle)
  process.stdout.write(renderReport(results).split('\n## ')[0] + '\n')
}

await main()
process.exit(process.exitCode ?? 0)
