// Scoring throughput: exactly-once (one Kafka transaction per commit interval, or per batch with
// --commit-interval-ms 0) against the same pipeline at-least-once (idempotent send, then an offset commit), at batch sizes 256, 1024 and 4096, in
// the same run, rounds interleaved so machine noise hits both. Same topology code (runScore);
// only the processing guarantee differs.
//
// Run: npx tsc -p . && node dist/bench/score.js [--records 200000] [--rounds 2] [--predictor model|fixed] [--batches 256,1024,4096] [--backend wasm|node] [--commit-interval-ms 100]
//   --predictor model (default): the tutorial's MLP in a worker thread (--backend, default wasm)
//   --predictor fixed: a trivial in-process function, to show what the Kafka side alone costs
// Brokers from KAFKA_BROKERS (default 127.0.0.1:9092). Topics are created and deleted.
import { randomBytes } from 'node:crypto'
import { loadConfig, parseNumber } from '../src/config.js'
import { deleteTopics, ensureTopics } from '../src/kafka/admin.js'
import type { Predictor } from '../src/ml/predictor.js'
import { parseBackend, type BackendPreference } from '../src/ml/backend.js'
import { ModelRunner, SCORE_COMPUTE_THREADS } from '../src/ml/runner.js'
import type { ProcessingGuarantee } from '../src/sinks/sink-batch.js'
import { runScore, scoreDefaults } from '../topologies/score.js'
import { FixedPredictor } from '../test/support/fixed-predictor.js'
import { writeSynthetic } from '../test/support/synthetic.js'

interface Args { records: number, rounds: number, predictor: 'model' | 'fixed', batches: number[], backend: BackendPreference, commitIntervalMs: number }

function parseArgs (argv: string[]): Args {
  const args: Args = { records: 200_000, rounds: 2, predictor: 'model', batches: [256, 1024, 4096], backend: 'wasm', commitIntervalMs: scoreDefaults.commitIntervalMs }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--records') args.records = parseNumber(flag, argv[++i] ?? '', { min: 1 })
    else if (flag === '--rounds') args.rounds = parseNumber(flag, argv[++i] ?? '', { min: 1 })
    else if (flag === '--predictor') {
      const p = argv[++i]
      if (p !== 'model' && p !== 'fixed') throw new Error('--predictor is model or fixed')
      args.predictor = p
    } else if (flag === '--batches') args.batches = (argv[++i] ?? '').split(',').map(b => parseNumber('--batches', b, { min: 1 }))
    else if (flag === '--commit-interval-ms') args.commitIntervalMs = parseNumber(flag, argv[++i] ?? '', { min: 0 })
    else if (flag === '--backend') args.backend = parseBackend(argv[++i] ?? '')
    else throw new Error(`unknown argument ${flag}`)
  }
  return args
}

interface Run { records: number, steadyPerSecond: number, totalSeconds: number, transactions: number, p50BatchMs: number }

async function main (): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const { kafka } = loadConfig()
  const id = `bench-score-${randomBytes(4).toString('hex')}`
  const input = `${id}-in`
  const output = `${id}-out`
  const dlq = `${id}-dlq`
  const predictor: Predictor & { close?: () => Promise<void> } = args.predictor === 'model'
    ? await ModelRunner.create({ backend: args.backend, version: 'bench@1', computeThreads: SCORE_COMPUTE_THREADS })
    : new FixedPredictor('bench@1')
  process.stdout.write(`scoring ${args.records} synthetic SUSY rows (2 partitions), predictor ${args.predictor}` +
    `${args.predictor === 'model' ? ` (tutorial MLP, ${(predictor as ModelRunner).backend})` : ''}, ${args.rounds} round(s)\n`)
  await writeSynthetic(kafka, input, args.records, { partitions: 2 })
  await ensureTopics(kafka, [{ name: output, partitions: 2 }, { name: dlq, partitions: 1 }])
  const results = new Map<string, Run[]>()
  let group = 0
  try {
    for (let round = 0; round < args.rounds; round++) {
      for (const batchSize of args.batches) {
        // Alternate which guarantee goes first, so neither always runs on a warmer broker.
        const order: ProcessingGuarantee[] = (round + batchSize) % 2 === 0 ? ['exactly-once', 'at-least-once'] : ['at-least-once', 'exactly-once']
        for (const guarantee of order) {
          const run = await measure(kafka, { input, output, dlq, group: `${id}-g${group++}`, batchSize, guarantee, predictor, records: args.records, commitIntervalMs: args.commitIntervalMs })
          const key = `${guarantee} ${batchSize}`
          results.set(key, [...(results.get(key) ?? []), run])
        }
      }
    }
  } finally {
    await predictor.close?.()
    await deleteTopics(kafka, [input, output, dlq])
  }
  const best = (key: string): Run => (results.get(key) ?? []).reduce((a, b) => (b.steadyPerSecond > a.steadyPerSecond ? b : a))
  process.stdout.write('\nbatch   exactly-once rec/s   at-least-once rec/s   EOS/ALOS   EOS txn/s   EOS batch p50 ms\n')
  for (const batchSize of args.batches) {
    const eos = best(`exactly-once ${batchSize}`)
    const alos = best(`at-least-once ${batchSize}`)
    process.stdout.write(`${String(batchSize).padStart(5)}   ${fmt(eos.steadyPerSecond).padStart(18)}   ${fmt(alos.steadyPerSecond).padStart(19)}   ` +
      `${(eos.steadyPerSecond / alos.steadyPerSecond).toFixed(2).padStart(8)}   ${(eos.steadyPerSecond / batchSize).toFixed(1).padStart(9)}   ${eos.p50BatchMs.toFixed(1).padStart(16)}\n`)
  }
  process.stdout.write('(best of the rounds; rec/s from the first to the last committed batch, so start-up and the stream timeout are excluded)\n')
}

async function measure (kafka: ReturnType<typeof loadConfig>['kafka'], o: { input: string, output: string, dlq: string, group: string, batchSize: number, guarantee: ProcessingGuarantee, predictor: Predictor, records: number, commitIntervalMs: number }): Promise<Run> {
  let first = 0
  let firstRecords = 0
  let last = 0
  const batchMs: number[] = []
  const started = performance.now()
  const result = await runScore({
    kafka,
    topic: o.input,
    predictionsTopic: o.output,
    dlqTopic: o.dlq,
    groupId: o.group,
    transactionalId: `${o.group}-tx`,
    predictor: o.predictor,
    batchSize: o.batchSize,
    maxWaitMs: 100,
    commitIntervalMs: o.commitIntervalMs,
    streamTimeout: 1000,
    guarantee: o.guarantee,
    onBatch: (batch, totals) => {
      const now = performance.now()
      if (first === 0) { first = now; firstRecords = totals.records }
      last = now
      batchMs.push(batch.seconds * 1000)
    }
  })
  if (result.records !== o.records) throw new Error(`${o.guarantee} at ${o.batchSize}: scored ${result.records} of ${o.records}`)
  batchMs.sort((a, b) => a - b)
  const steadyPerSecond = last > first ? (result.records - firstRecords) / ((last - first) / 1000) : NaN
  process.stdout.write(`  ${o.guarantee.padEnd(13)} batch ${String(o.batchSize).padStart(4)}: ${fmt(steadyPerSecond)} rec/s steady, ` +
    `${result.batches} batches in ${result.transactions} transactions, sink p50 ${batchMs[batchMs.length >> 1]!.toFixed(1)} ms, total ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  return { records: result.records, steadyPerSecond, totalSeconds: result.seconds, transactions: result.transactions, p50BatchMs: batchMs[batchMs.length >> 1]! }
}

function fmt (n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

await main()
