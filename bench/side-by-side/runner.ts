// Runs the benchmark's stages for both systems (streamfit's CLI and the tutorial's Python), each in
// a child process, and keeps their results and the machine's load while they run.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, type Config } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { susyTopics } from '../../src/data/load-susy.js'
import { SPLIT_SEED, TEST_FRACTION, type Dataset } from './datasets.js'
import { loadAverage, localBrokerPid, processCpuSeconds } from './machine.js'
import { cliNodeFlags } from '../cli-node-flags.js'
import { runMeasured, StageFailed } from './measure.js'
import type { StageResult, System } from './report-figures.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PYTHON = join(ROOT, 'bench/tfio/.venv/bin/python')
const TUTORIAL = join(ROOT, 'bench/tfio/tutorial.py')
const STREAMFIT = join(ROOT, 'bin/streamfit.js')
const STAGE = join(ROOT, 'dist/bench/side-by-side/stage.js')
const TRAIN_BENCH = join(ROOT, 'dist/bench/train.js')

export interface Plan {
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

const round3 = (n: number): number => Math.round(n * 1000) / 1000

function summarize (json: Record<string, unknown>): string {
  const keys = ['records', 'rows', 'recordsPerSecond', 'rowsPerSecond', 'steadyRecordsPerSecond', 'seconds', 'accuracy', 'auc']
  return keys.filter(k => json[k] !== undefined).map(k => `${k} ${String(json[k])}`).join(', ')
}

export class Runner {
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
    return this.stage(ds, 'streamfit', stage, process.execPath, [...cliNodeFlags(), ...args], this.sfEnv(ds))
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
