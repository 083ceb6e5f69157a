// `streamfit score`: scores the test topic with a stored model, exactly once, into the
// predictions topic. See topologies/score.ts for the pipeline and src/sinks/transactional.ts
// for the protocol.
import type { Command } from 'commander'
import { loadConfig, parseNumber } from '../config.js'
import { FencedError, UsageError } from '../errors.js'
import { parseBackend } from '../ml/backend.js'
import { HotSwapPredictor } from '../online/hot-swap.js'
import { ModelRegistry } from '../registry/registry.js'
import { appOptions, runApp, withAppOptions } from '../runtime/app.js'
import { defaultTransactionalId, describe, runScore, scoreDefaults, type ScoreResult } from '../../topologies/score.js'

interface ScoreFlags {
  group: string
  batchSize: string
  maxWaitMs: string
  streamTimeout: string
  model: string
  transactionalId?: string
  sessionTimeout: string
  backend: string
  json?: boolean
  metricsPort?: string
  metricsHost?: string
  logLevel?: string
}

/** Exit code of a scorer fenced by a newer instance with its transactional id. */
export const EXIT_FENCED = 3

export function register (program: Command): void {
  const command = program
    .command('score')
    .description('score the test topic with a stored model, exactly once: predictions and input offsets commit in one Kafka transaction per batch')
    .option('--group <id>', 'consumer group of the scorers', scoreDefaults.groupId)
    .option('--batch-size <n>', 'records per batch (and per transaction)', String(scoreDefaults.batchSize))
    .option('--max-wait-ms <n>', 'close a batch after this many ms even if not full', String(scoreDefaults.maxWaitMs))
    .option('--stream-timeout <ms>', 'stop after this many ms without a new record; -1 runs forever', String(scoreDefaults.streamTimeout))
    .option('--model <ref>', 'model version from the registry: susy@latest or susy@N', 'susy@latest')
    .option('--transactional-id <id>', 'stable and unique per running scorer (default streamfit-score-<group>-<host>)')
    .option('--session-timeout <ms>', 'group session timeout: how soon a crashed scorer\'s partitions move to the others', String(scoreDefaults.sessionTimeout))
    .option('--backend <name>', 'compute backend for the model: auto, gpu, node, wasm or cpu', 'auto')
    .option('--json', 'print one JSON line at the end: records, batches, transactions, aborted, seconds, recordsPerSecond, model')
  withAppOptions(command).action(async (flags: ScoreFlags) => {
    const config = loadConfig()
    const batchSize = parseNumber('--batch-size', flags.batchSize, { min: 1 })
    const maxWaitMs = parseNumber('--max-wait-ms', flags.maxWaitMs, { min: 0 })
    const streamTimeout = parseNumber('--stream-timeout', flags.streamTimeout, { min: -1 })
    const sessionTimeout = parseNumber('--session-timeout', flags.sessionTimeout, { min: 1000 })
    const backend = parseBackend(flags.backend)
    const transactionalId = flags.transactionalId ?? defaultTransactionalId(flags.group)
    if (transactionalId.trim() === '') throw new UsageError('--transactional-id must not be empty')
    let fenced: FencedError | undefined
    const result = await runApp('score', { ...appOptions(flags), config, topology: describe(config), lag: { kafka: config.kafka, groupId: flags.group, topics: [config.topics.test] } }, async ({ signal, logger, setHealthy }) => {
      // @latest follows the registry's announcements: new versions are swapped in between batches.
      const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix: config.registryPrefix })
      const model = await HotSwapPredictor.start({ registry, model: flags.model, backend, logger }).catch(async (error: unknown) => { await registry.close(); throw error })
      logger.info({ model: model.version, following: model.following, group: flags.group, transactionalId }, `scoring ${config.topics.test} with ${model.version}`)
      try {
        return await runScore({
          kafka: config.kafka,
          topic: config.topics.test,
          predictionsTopic: config.topics.predictions,
          dlqTopic: config.topics.dlq,
          predictor: model.current,
          groupId: flags.group,
          batchSize,
          maxWaitMs,
          streamTimeout,
          transactionalId,
          sessionTimeout,
          signal,
          logger
        })
      } catch (error) {
        if (error instanceof FencedError) { setHealthy(false); fenced = error; return undefined }
        throw error
      } finally {
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
    process.stdout.write(flags.json === true ? JSON.stringify(summary(result)) + '\n' : formatResult(result))
  })
}

/** The --json line. */
export function summary (r: ScoreResult): Record<string, unknown> {
  return {
    records: r.records,
    batches: r.batches,
    transactions: r.transactions,
    aborted: r.aborted,
    seconds: Math.round(r.seconds * 1000) / 1000,
    recordsPerSecond: Math.round(r.recordsPerSecond),
    model: r.model,
    predictions: r.predictions,
    deadLettered: r.deadLettered
  }
}

function formatResult (r: ScoreResult): string {
  return `score: ${r.records} records (${r.predictions} predictions, ${r.deadLettered} dead-lettered) in ${r.batches} batches, ` +
    `${r.transactions} transactions committed, ${r.aborted} aborted, ${Math.round(r.recordsPerSecond)} records/s, model ${r.model || 'none'}\n`
}
