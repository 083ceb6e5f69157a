// Online learning throughput and its costs, in one process on one backend:
//   - in memory: predict + fit (K epochs, batch 32) per mini-batch, no Kafka, no Redis;
//   - streamfit online (topologies/online.ts) from a Kafka topic, saving every 10 mini-batches;
//   - the same, saving a version after every mini-batch (the most crash-proof setting);
// plus the cost of one registry save and the hot-swap delay (save → loaded in a scorer's standby).
// Rounds are interleaved so machine noise hits every variant; medians and ratios are printed.
// Throughput is measured from the end of the first mini-batch to the end of the last (startup
// and the idle stream timeout excluded), as rows per second of wall time and of process CPU time.
//
// Run: npx tsc -p . && node dist/bench/online.js [--rounds 2] [--max-records 256] [--epochs 3] [--json]
// Rows: the 4,800-row train split of data/susy-8k.csv.gz. KAFKA_BROKERS / REDIS_URL as usual.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { loadConfig, parseNumber } from '../src/config.js'
import { parseFeatures, parseLabel } from '../src/codec/susy-csv.js'
import { deleteTopics, ensureTopics } from '../src/kafka/admin.js'
import { ModelRunner } from '../src/ml/runner.js'
import { HotSwapPredictor } from '../src/registry/hot-swap.js'
import { ModelRegistry } from '../src/registry/registry.js'
import { runOnline } from '../topologies/online.js'
import { produceRows, susyMessages, TRAIN_ROWS } from '../test/support/online.js'

interface Args { rounds: number, maxRecords: number, epochs: number, json: boolean }

function parseArgs (argv: string[]): Args {
  const args: Args = { rounds: 2, maxRecords: 256, epochs: 3, json: false }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--rounds') args.rounds = parseNumber(flag, argv[++i] ?? '', { min: 1 })
    else if (flag === '--max-records') args.maxRecords = parseNumber(flag, argv[++i] ?? '', { min: 1 })
    else if (flag === '--epochs') args.epochs = parseNumber(flag, argv[++i] ?? '', { min: 1 })
    else if (flag === '--json') args.json = true
    else throw new Error(`unknown argument ${flag}`)
  }
  return args
}

type Variant = 'in memory (predict + fit)' | 'online, save every 10 batches' | 'online, save every batch'
interface Figures { wall: number, cpu: number, accuracy: number }

const args = parseArgs(process.argv.slice(2))
const config = loadConfig()
const id = randomBytes(3).toString('hex')
const topic = `bench-online-${id}`
const dlq = `bench-online-dlq-${id}`
const prefixes: string[] = []
const messages = susyMessages(TRAIN_ROWS)

// The same rows as arrays, for the in-memory loop.
const xs = new Float32Array(TRAIN_ROWS * 18)
const ys = new Float32Array(TRAIN_ROWS)
messages.forEach((m, i) => {
  if (parseFeatures(m.value, xs, i * 18, 18) !== null) throw new Error(`row ${i} does not parse`)
  ys[i] = parseLabel(m.key) as number
})

function cpuSeconds (): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

async function inMemory (): Promise<Figures> {
  const runner = await ModelRunner.create({ backend: 'wasm', seed: 1 })
  try {
    let correct = 0
    let t0 = 0
    let c0 = 0
    let timedRows = 0
    for (let start = 0, batch = 0; start < TRAIN_ROWS; start += args.maxRecords, batch++) {
      const n = Math.min(args.maxRecords, TRAIN_ROWS - start)
      const bx = xs.subarray(start * 18, (start + n) * 18)
      const by = ys.subarray(start, start + n)
      const p = await runner.predict(bx, n)
      for (let i = 0; i < n; i++) if ((p[i] >= 0.5 ? 1 : 0) === by[i]) correct++
      await runner.fit(bx, by, n, { epochs: args.epochs, batchSize: 32, shuffle: true })
      if (batch === 0) { t0 = performance.now(); c0 = cpuSeconds() } else timedRows += n
    }
    return { wall: timedRows / ((performance.now() - t0) / 1000), cpu: timedRows / (cpuSeconds() - c0), accuracy: correct / TRAIN_ROWS }
  } finally {
    await runner.close()
  }
}

async function online (everyBatches: number): Promise<Figures> {
  const prefix = `bench-online-${randomBytes(4).toString('hex')}:`
  prefixes.push(prefix)
  let t0 = 0
  let c0 = 0
  let t1 = 0
  let c1 = 0
  let timedRows = 0
  const result = await runOnline({
    kafka: config.kafka, redisUrl: config.redisUrl, registryPrefix: prefix, topic, dlqTopic: dlq,
    groupId: `bench-online-g-${randomBytes(4).toString('hex')}`, streamTimeout: 1500, seed: 1,
    maxRecords: args.maxRecords, epochsPerBatch: args.epochs, backend: 'wasm', sessionTimeout: 6000,
    savePolicy: { everyBatches, everyMs: Infinity },
    onBatch: p => {
      if (p.batch === 1) { t0 = performance.now(); c0 = cpuSeconds() } else { timedRows += p.rows; t1 = performance.now(); c1 = cpuSeconds() }
    }
  })
  if (result.rows !== TRAIN_ROWS) throw new Error(`online trained ${result.rows} rows, expected ${TRAIN_ROWS}`)
  return { wall: timedRows / ((t1 - t0) / 1000), cpu: timedRows / (c1 - c0), accuracy: result.prequentialAccuracy }
}

async function registryCosts (): Promise<{ saveMs: number, bytes: number, swapMs: number }> {
  const prefix = `bench-online-${randomBytes(4).toString('hex')}:`
  prefixes.push(prefix)
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix })
  const runner = await ModelRunner.create({ backend: 'wasm', seed: 2 })
  try {
    const snapshot = await runner.snapshot()
    await registry.save({ snapshot, backend: 'wasm', rows: 0, epochs: 0 })
    const saves: number[] = []
    for (let i = 0; i < 10; i++) {
      const t = performance.now()
      await registry.save({ snapshot, backend: 'wasm', rows: 0, epochs: 0 })
      saves.push(performance.now() - t)
    }
    const model = await HotSwapPredictor.start({ registry, backend: 'wasm' })
    const swaps: number[] = []
    try {
      for (let i = 0; i < 6; i++) {
        const t = performance.now()
        const saved = await registry.save({ snapshot, backend: 'wasm', rows: 0, epochs: 0 })
        while (model.loaded !== saved.ref) await new Promise(resolve => setTimeout(resolve, 2))
        // The first swap starts the standby worker; later ones reuse it.
        if (i > 0) swaps.push(performance.now() - t)
        model.current()
      }
    } finally {
      await model.close()
    }
    return { saveMs: median(saves), bytes: snapshot.weights.byteLength, swapMs: median(swaps) }
  } finally {
    await runner.close()
    await registry.close()
  }
}

function median (values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const variants: Array<[Variant, () => Promise<Figures>]> = [
  ['in memory (predict + fit)', inMemory],
  ['online, save every 10 batches', () => online(10)],
  ['online, save every batch', () => online(1)]
]

try {
  await produceRows(config.kafka, topic, messages)
  await ensureTopics(config.kafka, [{ name: dlq, partitions: 1 }])
  const results = new Map<Variant, Figures[]>(variants.map(([v]) => [v, []]))
  for (let round = 0; round < args.rounds; round++) {
    // Rotate the order each round so that no variant always runs first (warm-up, noise).
    for (let k = 0; k < variants.length; k++) {
      const [name, run] = variants[(k + round) % variants.length]
      results.get(name)!.push(await run())
      process.stderr.write(`round ${round + 1}: ${name} done\n`)
    }
  }
  const costs = await registryCosts()
  const base = results.get('in memory (predict + fit)')!
  const baseWall = median(base.map(f => f.wall))
  const baseCpu = median(base.map(f => f.cpu))
  const rows = variants.map(([name]) => {
    const f = results.get(name)!
    const wall = median(f.map(x => x.wall))
    const cpu = median(f.map(x => x.cpu))
    return { variant: name, rowsPerSecond: Math.round(wall), ratio: round2(wall / baseWall), rowsPerCpuSecond: Math.round(cpu), cpuRatio: round2(cpu / baseCpu), prequentialAccuracy: round4(median(f.map(x => x.accuracy))) }
  })
  const summary = {
    rows: TRAIN_ROWS, miniBatch: args.maxRecords, epochsPerBatch: args.epochs, backend: 'wasm', rounds: args.rounds,
    variants: rows, registrySaveMs: round2(costs.saveMs), versionBytes: costs.bytes, hotSwapMs: round2(costs.swapMs)
  }
  if (args.json) {
    process.stdout.write(JSON.stringify(summary) + '\n')
  } else {
    process.stdout.write(`online learning, ${TRAIN_ROWS} SUSY rows, mini-batches of ${args.maxRecords}, ${args.epochs} epochs each (batch 32), wasm backend, median of ${args.rounds} round(s)\n\n`)
    process.stdout.write('| variant | rows/s (wall) | ratio | rows/s (CPU) | ratio | prequential accuracy |\n| --- | ---: | ---: | ---: | ---: | ---: |\n')
    for (const r of rows) process.stdout.write(`| ${r.variant} | ${r.rowsPerSecond} | ${r.ratio} | ${r.rowsPerCpuSecond} | ${r.cpuRatio} | ${r.prequentialAccuracy} |\n`)
    process.stdout.write(`\nregistry save of one version (${(costs.bytes / 1024).toFixed(0)} KiB of weights): ${costs.saveMs.toFixed(1)} ms (median of 10)\n`)
    process.stdout.write(`hot swap, save → loaded in a scorer's standby worker: ${costs.swapMs.toFixed(1)} ms (median of 5)\n`)
  }
} finally {
  await deleteTopics(config.kafka, [topic, dlq]).catch(() => {})
  const redis = new Redis(config.redisUrl)
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
  }
  await redis.quit()
}

function round2 (n: number): number { return Math.round(n * 100) / 100 }
function round4 (n: number): number { return Math.round(n * 10000) / 10000 }
