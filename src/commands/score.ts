// `streamfit score`: scores the test topic with a stored model, exactly once, into the
// predictions topic. See topologies/score.ts for the pipeline, src/runtime/exactly-once.ts for
// what runs under it and src/sinks/transactional-writer.ts for the protocol.
import type { Command } from 'commander'
import { maskUrlPassword, parseNumber, type Config } from '../config.js'
import { FencedError, UsageError } from '../errors.js'
import { parseBackend } from '../ml/backend.js'
import { SCORE_COMPUTE_THREADS } from '../ml/runner.js'
import { HotSwapPredictor } from '../registry/hot-swap.js'
import { requireGroup, requireServices } from '../infra/probe.js'
import { ModelRegistry } from '../registry/registry.js'
import { runApp } from '../runtime/app.js'
import type { ProcessingGuarantee } from '../sinks/sink-batch.js'
import { perSecond, timing } from './figures.js'
import { runScore, scoreDefaults, scoreTopology, type ScoreInput, type ScoreResult } from '../../topologies/score.js'
import { backendFlag, groupFlag, registerApp, sessionTimeoutFlag, specFlag, streamTimeoutFlag } from './flags.js'
import type { DatasetSpec } from '../spec/types.js'
import { layoutMismatch } from '../spec/compatible.js'
import { jsonHelp, SCORE_JSON } from './json-fields.js'

interface ScoreFlags {
  group: string
  batchSize: string
  maxWaitMs: string
  commitIntervalMs: string
  streamTimeout: string
  model?: string
  spec?: string
  transactionalId?: string
  sessionTimeout: string
  backend: string
  computeThreads: string
  guarantee: string
  json?: boolean
  metricsPort?: string
  metricsHost?: string
  logLevel?: string
}

/** Exit code of a scorer fenced by a newer instance with its transactional id. */
export const EXIT_FENCED = 3

export function declareFlags (command: Command): Command {
  specFlag(groupFlag(command, 'consumer group of the scorers', scoreDefaults.groupId))
    .option('--batch-size <n>', 'records per batch (the unit predicted at once)', String(scoreDefaults.batchSize))
    .option('--max-wait-ms <n>', 'close a batch after this many ms even if not full (it then commits at once)', String(scoreDefaults.maxWaitMs))
    .option('--commit-interval-ms <ms>', 'full batches gather this long into one transaction (Kafka Streams\' commit.interval.ms); 0: one transaction per batch', String(scoreDefaults.commitIntervalMs))
  streamTimeoutFlag(command, scoreDefaults.streamTimeout)
    .option('--model <ref>', 'model version from the registry: NAME@latest or NAME@N (default: the spec\'s name, susy, @latest)')
    .option('--transactional-id <id>', 'stable and unique per running scorer (default streamfit-score-<group>-<host>)')
  sessionTimeoutFlag(command, 'how soon a crashed scorer\'s partitions move to the others', scoreDefaults.sessionTimeout)
  return backendFlag(command)
    .option('--compute-threads <n>', 'threads TensorFlow uses per operation on the native backend (TF_NUM_INTRAOP_THREADS wins); 1 leaves the other cores to the Kafka side', String(SCORE_COMPUTE_THREADS))
    .option('--guarantee <g>', 'exactly-once, or at-least-once (idempotent send, then an offset commit: a crash may repeat predictions)', scoreDefaults.guarantee)
    .option('--json', jsonHelp('print one JSON line at the end', SCORE_JSON))
}

/** The topology the flags describe (and run). */
export function topologyInput (flags: ScoreFlags, config: Config, spec?: DatasetSpec): ScoreInput {
  if (flags.guarantee !== 'exactly-once' && flags.guarantee !== 'at-least-once') throw new UsageError(`--guarantee expects exactly-once or at-least-once, got "${flags.guarantee}"`)
  const guarantee: ProcessingGuarantee = flags.guarantee
  requireGroup(flags.group)
  const transactionalId = flags.transactionalId
  if (transactionalId !== undefined && transactionalId.trim() === '') throw new UsageError('--transactional-id must not be empty')
  return {
    topic: config.topics.test,
    predictionsTopic: config.topics.predictions,
    dlqTopic: config.topics.dlq,
    groupId: flags.group,
    batchSize: parseNumber('--batch-size', flags.batchSize, { min: 1 }),
    maxWaitMs: parseNumber('--max-wait-ms', flags.maxWaitMs, { min: 0 }),
    commitIntervalMs: parseNumber('--commit-interval-ms', flags.commitIntervalMs, { min: 0 }),
    streamTimeout: parseNumber('--stream-timeout', flags.streamTimeout, { min: -1 }),
    sessionTimeout: parseNumber('--session-timeout', flags.sessionTimeout, { min: 1000 }),
    guarantee,
    ...(transactionalId !== undefined ? { transactionalId } : {}),
    ...(spec !== undefined ? { spec } : {})
  }
}

export const topology = scoreTopology

export function register (program: Command): void {
  const description = 'score the test topic with a stored model, exactly once: predictions and input offsets commit in one Kafka transaction per commit interval'
  registerApp(program, description, { declareFlags, topologyInput, topology }, async ({ flags, config, settings, app }) => {
    const backend = parseBackend(flags.backend)
    const computeThreads = parseNumber('--compute-threads', flags.computeThreads, { min: 1 })
    const { transactionalId } = settings
    const modelRef = flags.model ?? `${settings.spec?.name ?? 'susy'}@latest`
    // Kafka, the three topics and Redis answer, or one line says which does not, before any log.
    await requireServices(config, { topics: [config.topics.test, config.topics.predictions, config.topics.dlq], redis: true })
    let fenced: FencedError | undefined
    let held = '' // the version the scorer held at the end: named even when no batch came
    let computesOn = ''
    const result = await runApp('score', { ...app, lag: { kafka: config.kafka, groupId: settings.groupId, topics: [settings.topic] } }, async ({ signal, logger, setHealthy }) => {
      // @latest follows the registry's announcements: new versions are swapped in between batches.
      // Redis going away mid-run is not a reason to stop: the loaded model keeps scoring, and
      // following @latest resumes when Redis answers again. Said once per outage, not per retry.
      let outage = false
      let model: HotSwapPredictor | undefined
      const registry = await ModelRegistry.connect({
        url: config.redisUrl,
        prefix: config.registryPrefix,
        onError: error => {
          if (outage) return
          outage = true
          logger.warn({ err: { message: error.message } }, `registry at ${maskUrlPassword(config.redisUrl)} unreachable (${error.message}): still scoring with ${model?.version ?? 'the loaded model'}; new versions are picked up when it answers again`)
        },
        onReconnect: () => {
          if (!outage) return
          outage = false
          logger.info(`registry at ${maskUrlPassword(config.redisUrl)} answers again`)
        }
      })
      model = await HotSwapPredictor.start({ registry, model: modelRef, backend, computeThreads, logger }).catch(async (error: unknown) => { await registry.close(); throw error })
      computesOn = model.backend
      // A spec given on the command line must describe what the model reads (it decodes with its own).
      const trainedOn = model.current().spec
      const mismatch = flags.spec !== undefined && settings.spec !== undefined && trainedOn !== undefined ? layoutMismatch(settings.spec, trainedOn) : null
      if (mismatch !== null) {
        await model.close()
        await registry.close()
        throw new UsageError(`--spec ${flags.spec} does not describe what ${model.version} was trained on: ${mismatch}; score with a model trained on this spec (streamfit train --spec)`)
      }
      logger.info({ model: model.version, backend: model.backend, following: model.following, group: settings.groupId, transactionalId }, `scoring ${settings.topic} with ${model.version} on ${model.backend}`)
      try {
        return await runScore({ ...settings, kafka: config.kafka, predictor: model.current, signal, logger })
      } catch (error) {
        if (error instanceof FencedError) { setHealthy(false); fenced = error; return undefined }
        throw error
      } finally {
        held = model.version
        await model.close()
        await registry.close()
      }
    })
    if (fenced !== undefined) {
      process.stderr.write(`streamfit: ${fenced.message}\n`)
      process.exitCode = EXIT_FENCED
      return
    }
    if (result === undefined) return
    if (result.model === '') result.model = held
    process.stdout.write(flags.json === true ? JSON.stringify(summary(result, computesOn)) + '\n' : formatResult(result, computesOn))
  })
}

/** The --json line. */
export function summary (r: ScoreResult, backend?: string): Record<string, unknown> {
  return {
    records: r.records,
    batches: r.batches,
    transactions: r.transactions,
    aborted: r.aborted,
    ...timing(r.seconds, r.busySeconds),
    recordsPerSecond: perSecond(r.records, r.busySeconds),
    model: r.model,
    predictions: r.predictions,
    deadLettered: r.deadLettered,
    ...(backend === undefined ? {} : { backend })
  }
}

function formatResult (r: ScoreResult, backend: string): string {
  return `score: ${r.records} records (${r.predictions} predictions, ${r.deadLettered} dead-lettered) in ${r.batches} batches, ` +
    `${r.transactions} transactions committed, ${r.aborted} aborted, ${perSecond(r.records, r.busySeconds)} records/s ` +
    `(${r.busySeconds.toFixed(1)} s busy, ${r.seconds.toFixed(1)} s wall), model ${r.model || 'none'} on ${backend}\n`
}
