// Consume throughput: fromPartition (and fromGroup) against the raw @platformatic/kafka consumer,
// same topic, same process, rounds interleaved in rotating order so machine noise hits all.
// The topic is filled with real SUSY rows (value = 18 features as CSV, key = label), cycled.
//
// Run: npx tsc -p . && node dist/bench/consume.js [--records 1000000] [--rounds 3] [--topic NAME] [--keep]
//   --topic reuses an existing topic (partition 0) instead of producing one; --keep leaves the
//   produced topic in place for the next run. Brokers from KAFKA_BROKERS (default 127.0.0.1:9092).
import { randomBytes } from 'node:crypto'
import { Consumer, MessagesStreamModes, Producer } from '@platformatic/kafka'
import { lastValueFrom, tap } from 'rxjs'
import { readSusySample } from '../src/data/sample.js'
import { loadConfig, parseNumber } from '../src/config.js'
import { deleteTopics, endOffsets, ensureTopics } from '../src/kafka/admin.js'
import { connectionOptions } from '../src/kafka/connection.js'
import { fromGroup } from '../src/sources/group.js'
import { fromPartition } from '../src/sources/partition.js'


interface Args { records: number, rounds: number, topic?: string, keep: boolean }

function parseArgs (argv: string[]): Args {
  const args: Args = { records: 1_000_000, rounds: 3, keep: false }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--records') args.records = parseNumber(flag, argv[++i] ?? '', { min: 1 })
    else if (flag === '--rounds') args.rounds = parseNumber(flag, argv[++i] ?? '', { min: 1 })
    else if (flag === '--topic') args.topic = argv[++i]
    else if (flag === '--keep') args.keep = true
    else throw new Error(`unknown argument ${flag}`)
  }
  return args
}

/** Wall time from the first to the last record, and this process's CPU time over the same span. */
interface Run { records: number, bytes: number, firstToLastMs: number, totalMs: number, cpuMs: number }

function cpuSince (start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}

const kafka = loadConfig().kafka

async function produce (topic: string, records: number): Promise<void> {
  const rows = readSusySample().split('\n').filter(Boolean).map(line => {
    const comma = line.indexOf(',')
    return { key: Buffer.from(line.slice(0, comma)), value: Buffer.from(line.slice(comma + 1)) }
  })
  await ensureTopics(kafka, [{ name: topic, partitions: 1 }])
  const producer = new Producer({ ...connectionOptions(kafka, 'bench-producer'), acks: 1 })
  try {
    // One send is one batch: 2,500 rows of ~350 bytes stay under the broker's 1 MiB limit.
    const chunk = 2500
    const inFlight: Promise<unknown>[] = []
    for (let first = 0; first < records; first += chunk) {
      const messages = []
      for (let i = first; i < Math.min(first + chunk, records); i++) {
        const row = rows[i % rows.length]
        messages.push({ topic, partition: 0, key: row.key, value: row.value })
      }
      inFlight.push(producer.send({ messages }))
      if (inFlight.length >= 8) await inFlight.shift()
    }
    await Promise.all(inFlight)
  } finally {
    await producer.close()
  }
}

/** Counts records and bytes, from the first record (wall time and CPU) to the last. */
class RunMeter {
  records = 0
  bytes = 0
  #started = performance.now()
  #first = 0
  #last = 0
  #cpu = process.cpuUsage()
  #cpuMs = 0

  add (bytes: number): void {
    if (this.records === 0) { this.#first = performance.now(); this.#cpu = process.cpuUsage() }
    this.records++
    this.bytes += bytes
  }

  /** The last record was counted. */
  end (): void {
    this.#last = performance.now()
    this.#cpuMs = cpuSince(this.#cpu)
  }

  get run (): Run {
    return { records: this.records, bytes: this.bytes, firstToLastMs: this.#last - this.#first, totalMs: this.#last - this.#started, cpuMs: this.#cpuMs }
  }
}

/** The documented way to read with @platformatic/kafka: a consumer stream, counted on 'data'. */
async function rawConsumer (topic: string, end: bigint): Promise<Run> {
  const meter = new RunMeter()
  const consumer = new Consumer({ ...connectionOptions(kafka, 'bench-raw'), groupId: `bench-raw-${randomBytes(4).toString('hex')}`, autocommit: false })
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.MANUAL, offsets: [{ topic, partition: 0, offset: 0n }] })
    await new Promise<void>((resolve, reject) => {
      stream.on('data', message => {
        meter.add(message.value.length)
        if (message.offset === end - 1n) { meter.end(); resolve() }
      })
      stream.once('error', reject)
    })
    await stream.close()
  } finally {
    await consumer.close()
  }
  return meter.run
}

async function partitionSource (topic: string, end: bigint): Promise<Run> {
  const meter = new RunMeter()
  await lastValueFrom(fromPartition({ topic, kafka, stop: end }).pipe(tap(record => meter.add(record.value?.length ?? 0))), { defaultValue: undefined })
  meter.end()
  return meter.run
}

/** fromGroup with a fresh group; it completes after its stream timeout, which is not counted. */
async function groupSource (topic: string, end: bigint): Promise<Run> {
  const meter = new RunMeter()
  await lastValueFrom(fromGroup({ topics: [topic], groupId: `bench-group-${randomBytes(4).toString('hex')}`, kafka, streamTimeout: 1000 }).pipe(tap(record => {
    meter.add(record.value?.length ?? 0)
    if (record.offset === end - 1n) meter.end()
  })), { defaultValue: undefined })
  return meter.run
}

const readers = { raw: rawConsumer, fromPartition: partitionSource, fromGroup: groupSource }
type Reader = keyof typeof readers

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

const rate = (run: Run): number => run.records / (run.firstToLastMs / 1000)
// On a shared machine wall time mostly measures the neighbours; CPU time is this process's own cost.
const cpuRate = (run: Run): number => run.records / (run.cpuMs / 1000)
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

async function main (): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const topic = args.topic ?? `bench-consume-${randomBytes(4).toString('hex')}`
  if (args.topic === undefined) {
    const t = performance.now()
    await produce(topic, args.records)
    console.log(`produced ${fmt(args.records)} SUSY rows to ${topic} in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  }
  const end = (await endOffsets(kafka, topic, { readCommitted: true }))[0]
  const expected = args.topic === undefined ? BigInt(args.records) : end
  if (end !== expected) throw new Error(`${topic} partition 0 ends at ${end}, expected ${expected}`)
  try {
    const runs: Record<Reader, Run[]> = { raw: [], fromPartition: [], fromGroup: [] }
    const names = Object.keys(readers) as Reader[]
    for (let round = 0; round < args.rounds; round++) {
      // Rotate the order so that no reader always runs first (cold) or last.
      for (let k = 0; k < names.length; k++) {
        const which = names[(round + k) % names.length]
        const run = await readers[which](topic, end)
        if (BigInt(run.records) !== end) throw new Error(`${which} read ${run.records} records, expected ${end}`)
        runs[which].push(run)
        console.log(`round ${round + 1} ${which.padEnd(13)} ${fmt(rate(run)).padStart(10)} records/s  ${fmt(cpuRate(run)).padStart(10)} records/CPU-s  (${(run.firstToLastMs / 1000).toFixed(2)} s first->last, ${(run.totalMs / 1000).toFixed(2)} s with setup)`)
      }
    }
    const wall = Object.fromEntries(names.map(n => [n, median(runs[n].map(rate))])) as Record<Reader, number>
    const cpu = Object.fromEntries(names.map(n => [n, median(runs[n].map(cpuRate))])) as Record<Reader, number>
    const mb = runs.raw[0].bytes / 1e6
    console.log('')
    console.log(`records: ${fmt(Number(end))} (${mb.toFixed(0)} MB of values), rounds: ${args.rounds}, medians over first->last record`)
    console.log('reader                            records/s (wall)   records per CPU-second')
    console.log(`raw @platformatic/kafka consumer  ${fmt(wall.raw).padStart(17)}   ${fmt(cpu.raw).padStart(22)}`)
    console.log(`fromPartition                     ${fmt(wall.fromPartition).padStart(17)}   ${fmt(cpu.fromPartition).padStart(22)}`)
    console.log(`fromGroup                         ${fmt(wall.fromGroup).padStart(17)}   ${fmt(cpu.fromGroup).padStart(22)}`)
    console.log(`ratio fromPartition / raw         ${(wall.fromPartition / wall.raw).toFixed(2).padStart(17)}   ${(cpu.fromPartition / cpu.raw).toFixed(2).padStart(22)}   (target >= 0.90)`)
    console.log(`ratio fromGroup / raw             ${(wall.fromGroup / wall.raw).toFixed(2).padStart(17)}   ${(cpu.fromGroup / cpu.raw).toFixed(2).padStart(22)}`)
  } finally {
    if (args.topic === undefined && !args.keep) await deleteTopics(kafka, [topic])
    else console.log(`topic kept: ${topic}`)
  }
}

main().catch(error => {
  console.error(error)
  process.exitCode = 1
})
