// streamfit's score and online stages for the side-by-side benchmark, one per process (so peak
// RSS is per stage). The same calls as `streamfit score` / `streamfit online` (the model from the
// registry, runScore / runOnline), plus what their --json lines lack to time them as
// tensorflow-io is timed: the moment of the last committed batch, so the trailing stream-timeout
// wait is left out on both sides. Prints ONE JSON line on stdout.
//
//   node dist/bench/side-by-side/stage.js score  --group G [--guarantee exactly-once|at-least-once]
//   node dist/bench/side-by-side/stage.js online --group G --expected N [--epochs-per-batch K]
// Topics, registry prefix, brokers and Redis come from the environment, as for the CLI.
import { loadConfig, parseNumber } from '../../src/config.js'
import { UsageError } from '../../src/errors.js'
import { endOffsets } from '../../src/kafka/admin.js'
import { HotSwapPredictor } from '../../src/registry/hot-swap.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import type { Predictor } from '../../src/ml/predictor.js'
import { SCORE_COMPUTE_THREADS } from '../../src/ml/runner.js'
import type { ProcessingGuarantee } from '../../src/sinks/sink-batch.js'
import { onlineDefaults, runOnline } from '../../topologies/online.js'
import { runScore, scoreDefaults } from '../../topologies/score.js'

interface Flags { [name: string]: string | undefined }

function parseFlags (argv: string[]): Flags {
  const flags: Flags = {}
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]
    if (!name.startsWith('--')) throw new UsageError(`unexpected argument ${name}`)
    flags[name.slice(2)] = argv[++i]
  }
  return flags
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000
const rate = (count: number, seconds: number): number => seconds > 0 ? Math.round(count / seconds) : 0

async function score (flags: Flags): Promise<Record<string, unknown>> {
  const config = loadConfig()
  const guarantee = (flags.guarantee ?? 'exactly-once') as ProcessingGuarantee
  if (guarantee !== 'exactly-once' && guarantee !== 'at-least-once') throw new UsageError(`--guarantee: exactly-once or at-least-once, not ${guarantee}`)
  const group = flags.group ?? `score-${Date.now()}`
  const expected = Object.values(await endOffsets(config.kafka, config.topics.test)).reduce((s, n) => s + Number(n), 0)
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix: config.registryPrefix })
  const model = await HotSwapPredictor.start({ registry, model: 'susy@latest', computeThreads: SCORE_COMPUTE_THREADS })
  let first = 0
  let last = 0
  let firstRecords = 0
  let writes = 0
  let leftInWrite = 0
  // Where the time goes: model calls and the sink (produce + transaction) are timed around the
  // same calls the CLI makes (they overlap: the next batch is predicted while one commits).
  let predictSeconds = 0
  let sinkSeconds = 0
  const timed = (): Predictor => {
    const p = model.current()
    return {
      version: p.version,
      predict: async (xs, n) => {
        const t = performance.now()
        try { return await p.predict(xs, n) } finally { predictSeconds += (performance.now() - t) / 1000 }
      }
    }
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  try {
    const result = await runScore({
      kafka: config.kafka,
      topic: config.topics.test,
      predictionsTopic: config.topics.predictions,
      dlqTopic: config.topics.dlq,
      predictor: timed,
      groupId: group,
      transactionalId: `bench-${group}`,
      guarantee,
      streamTimeout: parseNumber('--stream-timeout', flags['stream-timeout'] ?? '3000', { min: 100 }),
      batchSize: parseNumber('--batch-size', flags['batch-size'] ?? String(scoreDefaults.batchSize), { min: 1 }),
      onBatch: committed => {
        // Batches that shared a transaction share its time, and its commit: the first commit's
        // records are all of its batches'.
        sinkSeconds += committed.seconds / committed.together
        if (leftInWrite === 0) {
          writes++
          leftInWrite = committed.together
          last = performance.now()
          if (first === 0) first = last
        }
        leftInWrite--
        if (writes === 1) firstRecords += committed.records
      }
    })
    const active = ((last || performance.now()) - started) / 1000
    const used = process.cpuUsage(cpu)
    return {
      stage: guarantee === 'exactly-once' ? 'score' : 'score-at-least-once',
      guarantee,
      records: result.records,
      expected,
      predictions: result.predictions,
      deadLettered: result.deadLettered,
      batches: result.batches,
      transactions: result.transactions,
      aborted: result.aborted,
      seconds: round3(active),
      recordsPerSecond: rate(result.records, active),
      totalSeconds: round3(result.seconds),
      firstBatchSeconds: round3((first - started) / 1000),
      // After the first commit (group join and first transaction excluded); none with one commit.
      steadyRecordsPerSecond: writes > 1 ? rate(result.records - firstRecords, (last - first) / 1000) : null,
      model: result.model,
      backend: model.backend,
      breakdown: {
        predictSeconds: round3(predictSeconds),
        sinkSeconds: round3(sinkSeconds),
        cpuSeconds: round3((used.user + used.system) / 1e6),
        note: 'predict: time inside model calls (worker thread); sink: time inside the sink per batch (produce + commit: transaction or offsets); the two overlap (a batch is predicted while the previous one commits); cpuSeconds: this process, all threads, whole run'
      }
    }
  } finally {
    await model.close()
    await registry.close()
  }
}

async function online (flags: Flags): Promise<Record<string, unknown>> {
  const config = loadConfig()
  const group = flags.group ?? `online-${Date.now()}`
  const expected = parseNumber('--expected', flags.expected ?? '', { min: 1 })
  const stop = new AbortController()
  let last = 0
  const started = performance.now()
  const result = await runOnline({
    kafka: config.kafka,
    redisUrl: config.redisUrl,
    registryPrefix: config.registryPrefix,
    topic: config.topics.train,
    dlqTopic: config.topics.dlq,
    groupId: group,
    // A backstop only: the run stops once every row present at the start is learnt, as
    // tensorflow-io's side does with --stop-when-drained.
    streamTimeout: 15_000,
    epochsPerBatch: parseNumber('--epochs-per-batch', flags['epochs-per-batch'] ?? String(onlineDefaults.newEpochsPerBatch), { min: 1 }),
    signal: stop.signal,
    onBatch: progress => {
      last = performance.now()
      if (progress.totalRows >= expected) stop.abort()
    }
  })
  const active = ((last || performance.now()) - started) / 1000
  return {
    stage: 'online',
    records: result.rows,
    expected,
    miniBatches: result.batches,
    versions: result.versions.length,
    seconds: round3(active),
    recordsPerSecond: rate(result.rows, active),
    totalSeconds: round3(result.seconds),
    prequentialAccuracy: round4(result.prequentialAccuracy),
    prequentialAuc: round4(result.prequentialAuc),
    resumedFrom: result.resumedFrom,
    model: result.model,
    backend: result.backend
  }
}

function round4 (n: number): number | null {
  return Number.isFinite(n) ? Math.round(n * 10000) / 10000 : null
}

const [command, ...rest] = process.argv.slice(2)
const stages: Record<string, (flags: Flags) => Promise<Record<string, unknown>>> = { score, online }
const run = stages[command ?? '']
if (run === undefined) {
  process.stderr.write('usage: stage.js score|online --group G [...]\n')
  process.exit(2)
}
try {
  const line = await run(parseFlags(rest))
  process.stdout.write(JSON.stringify({ system: 'streamfit', ...line }) + '\n')
  process.exit(0) // do not wait for idle sockets of the clients: the figures are out
} catch (error) {
  process.stderr.write(`stage ${command} failed: ${(error as Error)?.stack ?? String(error)}\n`)
  process.exit(1)
}
