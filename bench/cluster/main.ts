// streamfit beside the tuned Kafka Streams app (bench/kafka-streams, producer batch.size 256 KiB,
// linger.ms 5) on a three-node KRaft cluster this bench starts for itself: free ports, its own
// data directories, replication 3, min.insync.replicas 2, acks=all (both systems are
// transactional), Kafka's own failure timing (a crashed broker is fenced after 9 s).
//   throughput: exactly-once scoring of the same rows, rounds interleaved, order rotated
//   kill:       at a steady --rate records/s, kill -9 the leader of output partition 0 --kill-at
//               seconds in; from a read_committed Java reader's view: kill -> next committed
//               output, the pause in committed output, p99 latency of the minute around the kill
// Writes bench/cluster-results.json and its section of bench/results.md (bench/cluster/README.md).
//
//   node dist/bench/cluster/main.js [--records 300000] [--rounds 3] [--kill-rounds 2] [--rate 5000]
//     [--seconds 75] [--kill-at 30] [--batch-size 1024] [--only throughput,kill] [--out bench]
//   node dist/bench/cluster/main.js --report-only [--note TEXT]   re-render from bench/cluster-results.json
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, parseNumber, type KafkaConfig } from '../../src/config.js'
import { ensureTopics } from '../../src/kafka/admin.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { syntheticRow, writeSynthetic } from '../../test/support/synthetic.js'
import { startTestCluster, type TestCluster } from '../../test/support/test-cluster.js'
import { label, newGroup, startApp, type System } from '../kafka-streams/apps.js'
import { followGroup, stop } from '../kafka-streams/follow.js'
import { buildJava, createLogAppendTopic, probeLatency, TUNED_PRODUCER } from '../kafka-streams/java.js'
import { analyseStall } from './stall.js'
import { insertClusterSection, renderClusterSection, type ClusterResults } from './report.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SECTIONS = ['throughput', 'kill'] as const
interface Args { note?: string, records: number, rounds: number, killRounds: number, rate: number, seconds: number, killAt: number, batchSize: number, only: Set<string>, out: string, reportOnly: boolean }

function parseArgs (argv: string[]): Args {
  const args: Args = { records: 300_000, rounds: 3, killRounds: 2, rate: 5000, seconds: 75, killAt: 30, batchSize: 1024, only: new Set(SECTIONS), out: join(ROOT, 'bench'), reportOnly: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = (): string => argv[++i] ?? ''
    if (a === '--records') args.records = parseNumber(a, value(), { min: 1000 })
    else if (a === '--rounds') args.rounds = parseNumber(a, value(), { min: 0 })
    else if (a === '--kill-rounds') args.killRounds = parseNumber(a, value(), { min: 0 })
    else if (a === '--rate') args.rate = parseNumber(a, value(), { min: 100 })
    else if (a === '--seconds') args.seconds = parseNumber(a, value(), { min: 40 })
    else if (a === '--kill-at') args.killAt = parseNumber(a, value(), { min: 10 })
    else if (a === '--batch-size') args.batchSize = parseNumber(a, value(), { min: 1 })
    else if (a === '--out') args.out = value()
    else if (a === '--report-only') args.reportOnly = true
    else if (a === '--note') args.note = value()
    else if (a === '--only') args.only = new Set(value().split(','))
    else throw new Error(`unknown argument ${a}`)
  }
  // The minute around the kill must lie inside the run, and the reader needs time after it.
  if (args.killAt < 30 || args.seconds < args.killAt + 30) throw new Error('--kill-at must be >= 30 and --seconds >= --kill-at + 30')
  return args
}

const runId = randomBytes(3).toString('hex')
const loadSamples: number[] = []
function log (text: string): void {
  loadSamples.push(loadavg()[0]!)
  process.stderr.write(`[cluster ${new Date().toISOString().slice(11, 19)} load ${loadavg()[0]!.toFixed(1)}] ${text}\n`)
}
const topic = (what: string): string => `cluster-${runId}-${what}`
const SYSTEMS: System[] = [{ kind: 'kafka-streams', producer: TUNED_PRODUCER }, { kind: 'streamfit', backend: 'node' }]
const rotated = (round: number): System[] => SYSTEMS.map((_, i) => SYSTEMS[(i + round) % SYSTEMS.length]!)
const backendOf = (s: System): string => s.kind === 'streamfit' ? s.backend : 'none'

async function storeModel (redisUrl: string, prefix: string): Promise<void> {
  const runner = await ModelRunner.create({ backend: 'cpu', seed: 7 })
  const registry = await ModelRegistry.connect({ url: redisUrl, prefix })
  try {
    await registry.save({ name: 'susy', snapshot: await runner.snapshot(), backend: runner.backend, rows: 0, epochs: 0 })
  } finally {
    await registry.close()
    await runner.close()
  }
}

async function throughput (args: Args, kafka: KafkaConfig, prefix: string): Promise<ClusterResults['throughput']> {
  const input = topic('in')
  log(`writing ${args.records.toLocaleString('en-US')} synthetic rows to ${input} (2 partitions, replication 3)`)
  await writeSynthetic(kafka, input, args.records, { partitions: 2 })
  const runs: ClusterResults['throughput'] = []
  for (let round = 0; round < args.rounds; round++) {
    for (const system of rotated(round)) {
      const output = topic(`out-${runs.length}`)
      await ensureTopics(kafka, [{ name: output, partitions: 2 }])
      const load1 = loadavg()[0]!
      const group = newGroup(runId)
      const app = startApp(system, { kafka, guarantee: 'exactly_once_v2', input, output, prefix, batchSize: args.batchSize, group, dlq: topic(`dlq-${group.slice(-4)}`) })
      try {
        const progress = await followGroup(kafka, group, input, args.records, app.child)
        runs.push({ system: label(system), backend: backendOf(system), round: round + 1, recordsPerSecond: Math.round(progress.recordsPerSecond), load1 })
        log(`${label(system)}: ${Math.round(progress.recordsPerSecond).toLocaleString('en-US')} records/s`)
      } finally {
        await stop(app.child)
      }
    }
  }
  return runs
}

async function kills (args: Args, cluster: TestCluster, prefix: string, dir: string): Promise<ClusterResults['kills']> {
  const rows = join(dir, 'rows.csv')
  writeFileSync(rows, Array.from({ length: 10_000 }, (_, i) => { const r = syntheticRow(i); return `${r.key},${r.value}` }).join('\n') + '\n')
  const out: ClusterResults['kills'] = []
  for (let round = 0; round < args.killRounds; round++) {
    for (const system of rotated(round)) {
      const input = topic(`kill-in-${out.length}`)
      const output = topic(`kill-out-${out.length}`)
      createLogAppendTopic(cluster.brokers, input, 2)
      await ensureTopics(cluster.kafka, [{ name: output, partitions: 2 }])
      const group = newGroup(runId)
      const app = startApp(system, { kafka: cluster.kafka, guarantee: 'exactly_once_v2', input, output, prefix, batchSize: args.batchSize, group, dlq: topic(`dlq-${group.slice(-4)}`) })
      const dump = join(dir, `records-${out.length}.txt`)
      let victim = -1
      try {
        await app.ready
        const load1 = loadavg()[0]!
        const probe = probeLatency(cluster.brokers, input, output, args.rate, args.seconds, rows, 0, dump)
        await new Promise(resolve => setTimeout(resolve, args.killAt * 1000))
        // The same choice for both systems: whichever node leads partition 0 of the output topic.
        victim = await cluster.leaderOf(output, 0)
        const groupCoordinator = await cluster.coordinatorOf('group', group)
        const killAt = Date.now()
        const stopping = cluster.stop(victim, 'SIGKILL')
        await probe
        await stopping
        const exited = app.child.exitCode !== null ? `exited ${app.child.exitCode}` : undefined
        const figures = analyseStall(dump, killAt)
        out.push({ system: label(system), backend: backendOf(system), round: round + 1, victim, victimWasGroupCoordinator: victim === groupCoordinator, load1, ...figures, ...(exited !== undefined ? { exited } : {}) })
        log(`kill ${label(system)}: node ${victim} killed; next committed output ${figures.resumeMs} ms after (pause ${figures.gapMs} ms, before the kill at most ${figures.gapBeforeMs} ms); ` +
          `p99 of the minute around it ${figures.p99} ms (before ${figures.p99Before} ms), ${figures.missing} missing${exited !== undefined ? `; the app ${exited}` : ''}`)
      } catch (error) {
        // One failed round (e.g. the restarted node too slow on a loaded machine) costs that round, not the run.
        log(`kill round ${round + 1}, ${label(system)} failed: ${(error as Error).message}`)
      } finally {
        await stop(app.child)
        if (victim > 0) {
          await cluster.start(victim)
          await cluster.inSync([input, output], 180_000).catch(error => log(`not back in sync: ${(error as Error).message}`))
        }
      }
    }
  }
  return out
}

async function main (): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const resultsFile = join(args.out, 'cluster-results.json')
  if (args.reportOnly) {
    const saved = JSON.parse(readFileSync(resultsFile, 'utf8')) as ClusterResults
    if (args.note !== undefined) saved.note = args.note
    writeFileSync(resultsFile, JSON.stringify(saved, null, 2) + '\n')
    insertClusterSection(join(args.out, 'results.md'), renderClusterSection(saved))
    return
  }
  buildJava(log)
  const config = loadConfig()
  const prefix = `cluster-${runId}:`
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-cluster-'))
  const startedAt = new Date().toISOString()
  const t0 = performance.now()
  log('starting a three-node cluster (replication 3, min.insync.replicas 2, Kafka\'s default broker session timeout)')
  const cluster = await startTestCluster(3, { extra: {} })
  let results: ClusterResults | undefined
  try {
    await storeModel(config.redisUrl, prefix)
    results = { startedAt, minutes: 0, cpus: cpus().length, load: [], records: args.records, batchSize: args.batchSize, rate: args.rate, seconds: args.seconds, killAt: args.killAt, throughput: [], kills: [] }
    if (args.only.has('throughput')) results.throughput = await throughput(args, cluster.kafka, prefix)
    if (args.only.has('kill')) results.kills = await kills(args, cluster, prefix, dir)
  } finally {
    await cluster.close()
    rmSync(dir, { recursive: true, force: true })
    const { Redis } = await import('ioredis')
    const redis = new Redis(config.redisUrl)
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  }
  results.minutes = Math.round((performance.now() - t0) / 6000) / 10
  results.load = [Math.min(...loadSamples), Math.max(...loadSamples)]
  writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n')
  const section = renderClusterSection(results)
  insertClusterSection(join(args.out, 'results.md'), section)
  process.stdout.write(section)
}

await main()
