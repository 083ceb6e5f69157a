// Training throughput: Kafka-fed training (topologies/train.ts, re-reading the topic every
// epoch, and with the epoch cache) against in-memory model.fit on the same backend, batch size,
// rows and model, in one process. Rounds are interleaved in rotating order so that machine noise
// hits every variant; medians and ratios are printed.
//
// Run: npx tsc -p . && node dist/bench/train.js [--epochs 3] [--rounds 3] [--batch-size 64]
//        [--backend wasm] [--synthetic N] [--json]
// Rows: the train split of data/susy-8k.csv.gz (4,800 rows) loaded into a bench topic,
// or N generated rows with --synthetic. Brokers from KAFKA_BROKERS (default 127.0.0.1:9092).
import { randomBytes } from 'node:crypto'
import { lastValueFrom, merge, toArray } from 'rxjs'
import { SUSY_SAMPLE } from '../src/data/sample.js'
import { loadConfig, parseNumber, type Config } from '../src/config.js'
import { loadSusy } from '../src/data/load-susy.js'
import { deleteTopics } from '../src/kafka/admin.js'
import { parseBackend, type BackendPreference } from '../src/ml/backend.js'
import { ModelRunner } from '../src/ml/runner.js'
import { fromPartition } from '../src/sources/partition.js'
import { labelledArrays } from './labelled-arrays.js'
import { runTrain } from '../topologies/train.js'


interface Args { epochs: number; rounds: number; batchSize: number; backend: BackendPreference; synthetic?: number; json: boolean }

function parseArgs (argv: string[]): Args {
  const args: Args = { epochs: 3, rounds: 3, batchSize: 64, backend: 'wasm', json: false }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--epochs') args.epochs = parseNumber(flag, argv[++i] ?? '', { min: 1 })
    else if (flag === '--rounds') args.rounds = parseNumber(flag, argv[++i] ?? '', { min: 1 })
    else if (flag === '--batch-size') args.batchSize = parseNumber(flag, argv[++i] ?? '', { min: 1 })
    else if (flag === '--backend') args.backend = parseBackend(argv[++i] ?? '')
    else if (flag === '--synthetic') args.synthetic = parseNumber(flag, argv[++i] ?? '', { min: 1 })
    else if (flag === '--json') args.json = true
    else throw new Error(`unknown argument ${flag}`)
  }
  return args
}

type Variant = 'in-memory model.fit' | 'kafka, re-read each epoch' | 'kafka, epoch cache'

interface Figures { wall: number; cpu: number }

/**
 * Rows trained per second of wall time (from each epoch's subscription to its last step) and
 * per second of this process's CPU time (both threads: Kafka client, decoding, the worker's
 * compute). On a machine shared with other work, the CPU figure is the steadier one.
 */
async function runVariant (variant: Variant, config: Config, args: Args, memory: { xs: Float32Array; ys: Float32Array; n: number }, seed: number): Promise<Figures> {
  const runner = await ModelRunner.create({ backend: args.backend, seed })
  try {
    const cpu = process.cpuUsage()
    if (variant === 'in-memory model.fit') {
      const started = performance.now()
      await runner.fit(memory.xs, memory.ys, memory.n, { epochs: args.epochs, batchSize: args.batchSize, shuffle: true })
      const rows = memory.n * args.epochs
      return { wall: rows / ((performance.now() - started) / 1000), cpu: rows / cpuSeconds(cpu) }
    }
    const result = await runTrain({
      kafka: config.kafka,
      topic: config.topics.train,
      dlqTopic: config.topics.dlq,
      epochs: args.epochs,
      // Every row, as the in-memory fit it is compared with.
      validationFraction: 0,
      batchSize: args.batchSize,
      seed,
      runner,
      cache: variant === 'kafka, epoch cache'
    })
    return { wall: result.rowsPerSecond, cpu: result.rows * result.epochs.length / cpuSeconds(cpu) }
  } finally {
    await runner.close()
  }
}

function cpuSeconds (since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

function fmt (n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

function round3 (n: number): number {
  return Math.round(n * 1000) / 1000
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function main (): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const base = loadConfig()
  const suffix = randomBytes(3).toString('hex')
  const config: Config = { ...base, topics: { train: `bench-train-${suffix}`, test: `bench-test-${suffix}`, predictions: `bench-pred-${suffix}`, dlq: `bench-dlq-${suffix}` } }
  try {
    const loaded = await loadSusy(config, args.synthetic !== undefined ? { synthetic: args.synthetic } : { data: SUSY_SAMPLE })
    // The in-memory variant trains on exactly the rows of the train topic.
    const records = await lastValueFrom(merge(fromPartition({ kafka: config.kafka, topic: config.topics.train })).pipe(toArray()))
    const { xs, ys, n } = labelledArrays(records)
    process.stderr.write(`bench/train: ${n} rows (${loaded.train} loaded), ${args.epochs} epochs, batch ${args.batchSize}, backend ${args.backend}, ${args.rounds} rounds\n`)

    const variants: Variant[] = ['in-memory model.fit', 'kafka, re-read each epoch', 'kafka, epoch cache']
    const figures = new Map<Variant, Figures[]>(variants.map(v => [v, []]))
    for (let round = 0; round < args.rounds; round++) {
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(round + k) % variants.length]
        const f = await runVariant(variant, config, args, { xs, ys, n }, round + 1)
        figures.get(variant)!.push(f)
        process.stderr.write(`  round ${round + 1}: ${variant.padEnd(26)} ${fmt(f.wall).padStart(7)} rows/s wall, ${fmt(f.cpu).padStart(7)} rows/CPU-s\n`)
      }
    }
    const med = (v: Variant, k: keyof Figures): number => median(figures.get(v)!.map(f => f[k]))
    const results = variants.map(v => ({
      variant: v,
      rowsPerSecond: Math.round(med(v, 'wall')),
      ratio: round3(med(v, 'wall') / med(variants[0], 'wall')),
      rowsPerCpuSecond: Math.round(med(v, 'cpu')),
      cpuRatio: round3(med(v, 'cpu') / med(variants[0], 'cpu'))
    }))
    if (args.json) {
      process.stdout.write(JSON.stringify({ rows: n, epochs: args.epochs, batchSize: args.batchSize, backend: args.backend, rounds: args.rounds, results }) + '\n')
    } else {
      process.stdout.write(`\n${n} rows x ${args.epochs} epochs, batch ${args.batchSize}, ${args.backend}, median of ${args.rounds} rounds\n`)
      process.stdout.write('| variant | rows/s (wall) | ratio | rows per CPU-second | ratio |\n| --- | ---: | ---: | ---: | ---: |\n')
      for (const r of results) process.stdout.write(`| ${r.variant} | ${fmt(r.rowsPerSecond)} | ${r.ratio.toFixed(3)} | ${fmt(r.rowsPerCpuSecond)} | ${r.cpuRatio.toFixed(3)} |\n`)
    }
  } finally {
    await deleteTopics(config.kafka, Object.values(config.topics))
  }
}

await main()
