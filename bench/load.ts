// Loader throughput: `streamfit load --synthetic N` end to end against the configured broker,
// and where the time goes. Same-run figures, so the ratios hold on a busy machine:
//   1. generating rows alone (no Kafka), the loader's own share of the work;
//   2. the full load (default settings) with the CPU seconds of this process (all threads: the
//      main one encodes records, a worker generates rows) and of the broker (when `streamfit up`
//      started it), the wall time, and the machine's load average. On a shared, busy machine the
//      CPU figures are the ones to compare; wall-clock rates follow whatever else runs;
//   3. variants on fewer rows: compression, request size, the plain producer with requests in flight, as ratios to the default;
//   4. with --profile, a V8 CPU profile of run 2 summed by where the code lives.
// Run: npx tsc -p . && node dist/bench/load.js [rows=1000000] [--profile] [--variants]
// Writes to bench-load-* topics (recreated each run), never to the susy-* ones.
import { readFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { loadavg } from 'node:os'
import { loadConfig } from '../src/config.js'
import { loadSusy, type LoadOptions } from '../src/data/load-susy.js'
import { syntheticRows } from '../src/data/synthetic.js'
import { kafkaPaths } from '../src/infra/paths.js'
import { readPid } from '../src/infra/pidfile.js'

const args = process.argv.slice(2)
const ROWS = Number(args.find(a => /^\d+$/.test(a)) ?? 1_000_000)
const PROFILE = args.includes('--profile')
const VARIANTS = args.includes('--variants')
const config = loadConfig({
  ...process.env,
  STREAMFIT_TRAIN_TOPIC: 'bench-load-train',
  STREAMFIT_TEST_TOPIC: 'bench-load-test',
  STREAMFIT_PREDICTIONS_TOPIC: 'bench-load-predictions',
  STREAMFIT_DLQ_TOPIC: 'bench-load-dlq'
})
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

/** CPU seconds a process has used so far (Linux /proc), or null. */
function processCpuSeconds (pid: number | null): number | null {
  if (pid === null) return null
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, in clock ticks (100 Hz)
  } catch {
    return null
  }
}
const brokerPid = readPid(kafkaPaths(config.stateDir, Number(config.kafka.brokers[0].split(':')[1])).pid)

// 1. The generator alone.
{
  const next = syntheticRows(1)
  const n = Math.min(ROWS, 500_000)
  const cpu = process.cpuUsage()
  const t = performance.now()
  for (let i = 0; i < n; i++) next()
  const wall = (performance.now() - t) / 1000
  const used = process.cpuUsage(cpu)
  console.log(`generate only     ${fmt(n / wall).padStart(10)} rows/s   (${((used.user + used.system) / n).toFixed(2)} µs CPU a row)`)
}

interface Run { rate: number, wall: number, writeRate: number, nodeCpu: number, brokerCpu: number | null }

async function measure (rows: number, options: LoadOptions): Promise<Run> {
  const cpu = process.cpuUsage()
  const broker0 = processCpuSeconds(brokerPid)
  const result = await loadSusy(config, { synthetic: rows, fresh: true, ...options })
  const used = process.cpuUsage(cpu)
  const broker1 = processCpuSeconds(brokerPid)
  return { rate: result.recordsPerSecond, wall: result.seconds, writeRate: rows / result.writeSeconds, nodeCpu: (used.user + used.system) / 1e6, brokerCpu: broker0 === null || broker1 === null ? null : broker1 - broker0 }
}

// 2. The full load, as `streamfit load --synthetic N` runs it.
let session: Session | null = null
if (PROFILE) {
  session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 1000 })
  await session.post('Profiler.start')
}
const before = loadavg()[0]
const full = await measure(ROWS, {})
const profile = session === null ? null : (await session.post('Profiler.stop')).profile
console.log(`load --synthetic  ${fmt(full.rate).padStart(10)} records/s (${fmt(ROWS)} rows in ${full.wall.toFixed(2)} s, topics recreated first: what --json reports)`)
console.log(`  writing alone    ${fmt(full.writeRate).padStart(10)} records/s`)
console.log(`  CPU: this process, all threads ${full.nodeCpu.toFixed(2)} s (${(full.nodeCpu * 1e6 / ROWS).toFixed(2)} µs a record)` +
  (full.brokerCpu === null ? ', broker not started by `up` here: its CPU not measured' : `, broker ${full.brokerCpu.toFixed(2)} s (${(full.brokerCpu * 1e6 / ROWS).toFixed(2)} µs a record)`))
console.log(`  machine load average ${before.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores`)

// 3. Variants, as ratios to the default: rounds interleave the variants and the medians are
// compared, so that a burst of load from elsewhere does not land on one variant only.
if (VARIANTS) {
  const n = Math.min(ROWS, 200_000)
  const ROUNDS = 3
  const variants: Array<[string, LoadOptions]> = [
    ['default', {}],
    ['lz4 compression', { compression: 'lz4' }],
    ['snappy compression', { compression: 'snappy' }],
    ['128 KiB requests', { batchBytes: 128 * 1024 }],
    ['900 KiB requests', { batchBytes: 900 * 1024, batchSize: 8192 }],
    // The default is idempotent, one request in flight (src/data/load-susy.ts loadProducer);
    // the plain producer it replaced could pipeline requests but write a retried row twice.
    ['plain, 4 in flight', { idempotent: false, inFlight: 4 }],
    ['plain, 16 in flight', { idempotent: false, inFlight: 16 }]
  ]
  const runs = new Map<string, Run[]>(variants.map(([name]) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, options] of variants) runs.get(name)?.push(await measure(n, options))
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const base = runs.get('default') ?? []
  const baseRate = median(base.map(r => r.writeRate))
  const baseCpu = median(base.map(r => r.nodeCpu))
  console.log(`variants on ${fmt(n)} rows, writing alone, median of ${ROUNDS} interleaved rounds:`)
  for (const [name] of variants) {
    const r = runs.get(name) ?? []
    const rate = median(r.map(x => x.writeRate))
    console.log(`  ${name.padEnd(24)} ${fmt(rate).padStart(9)} records/s  ×${(rate / baseRate).toFixed(2)}   node CPU a record ×${(median(r.map(x => x.nodeCpu)) / baseCpu).toFixed(2)}`)
  }
}

// 4. Where this process spent run 2, by self time.
if (profile !== null) {
  interface Node { id: number, callFrame: { functionName: string, url: string }, hitCount?: number }
  const nodes = profile.nodes as Node[]
  const buckets = new Map<string, number>()
  const functions = new Map<string, number>()
  let total = 0
  for (const node of nodes) {
    const hits = node.hitCount ?? 0
    if (hits === 0) continue
    total += hits
    const { url, functionName } = node.callFrame
    const bucket = functionName === '(garbage collector)' ? 'garbage collection'
      : functionName === '(idle)' ? 'idle (waiting for the broker)'
        : url.includes('node_modules') ? 'Kafka client and its buffer library (record encoding)'
          : url.includes('/src/data/synthetic') ? 'row generator'
            : url.includes('/src/') ? 'loader (batching, split)'
              : url.startsWith('node:') ? 'Node core (buffers, sockets)'
                : 'other'
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + hits)
    const name = `${functionName || '(anonymous)'} ${url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, '')}`
    functions.set(name, (functions.get(name) ?? 0) + hits)
  }
  console.log('CPU profile of the full load, self time:')
  for (const [name, hits] of [...buckets].sort((a, b) => b[1] - a[1])) console.log(`  ${(100 * hits / total).toFixed(1).padStart(5)} %  ${name}`)
  console.log('  top functions:')
  for (const [name, hits] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${(100 * hits / total).toFixed(1).padStart(5)} %    ${name}`)
}
