// Consume throughput: fromPartition against the raw @platformatic/kafka consumer, same topic,
// same process, rounds interleaved (raw, source, raw, source, ...) so machine noise hits both.
// The topic is filled with real SUSY rows (value = 18 features as CSV, key = label), cycled.
//
// Run: npx tsc -p . && node dist/bench/consume.js [--records 1000000] [--rounds 3] [--topic NAME] [--keep]
//   --topic reuses an existing topic (partition 0) instead of producing one; --keep leaves the
//   produced topic in place for the next run. Brokers from KAFKA_BROKERS (default 127.0.0.1:9092).
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { Consumer, MessagesStreamModes, Producer } from '@platformatic/kafka'
import { lastValueFrom, tap } from 'rxjs'
import { loadConfig, parseNumber } from '../src/config.js'
import { deleteTopics, endOffsets, ensureTopics } from '../src/kafka/admin.js'
import { connectionOptions } from '../src/kafka/connection.js'
import { fromPartition } from '../src/sources/partition.js'

const DATA = fileURLToPath(new URL('../../../shared/data/susy-8k.csv', import.meta.url))

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

interface Run { records: number, bytes: number, firstToLastMs: number, totalMs: number }

const kafka = loadConfig().kafka

async function produce (topic: string, records: number): Promise<void> {
  const rows = readFileSync(DATA, 'utf8').split('\n').filter(Boolean).map(line => {
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

/** The documented way to read with @platformatic/kafka: a consumer stream, counted on 'data'. */
async function rawConsumer (topic: string, end: bigint): Promise<Run> {
  const started = performance.now()
  const consumer = new Consumer({ ...connectionOptions(kafka, 'bench-raw'), groupId: `bench-raw-${randomBytes(4).toString('hex')}`, autocommit: false })
  let records = 0
  let bytes = 0
  let first = 0
  let last = 0
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.MANUAL, offsets: [{ topic, partition: 0, offset: 0n }] })
    await new Promise<void>((resolve, reject) => {
      stream.on('data', message => {
        if (records === 0) first = performance.now()
        records++
        bytes += message.value.length
        if (message.offset === end - 1n) {
          last = performance.now()
          resolve()
        }
      })
      stream.once('error', reject)
    })
    await stream.close()
  } finally {
    await consumer.close()
  }
  return { records, bytes, firstToLastMs: last - first, totalMs: last - started }
}

async function source (topic: string, end: bigint): Promise<Run> {
  const started = performance.now()
  let records = 0
  let bytes = 0
  let first = 0
  await lastValueFrom(fromPartition({ topic, kafka, stop: end }).pipe(tap(record => {
    if (records === 0) first = performance.now()
    records++
    bytes += record.value?.length ?? 0
  })), { defaultValue: undefined })
  const last = performance.now()
  return { records, bytes, firstToLastMs: last - first, totalMs: last - started }
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

const rate = (run: Run): number => run.records / (run.firstToLastMs / 1000)
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
    const raw: Run[] = []
    const ours: Run[] = []
    for (let round = 1; round <= args.rounds; round++) {
      // Alternate which goes first so neither always gets the warmer cache.
      const order = round % 2 === 1 ? ['raw', 'source'] as const : ['source', 'raw'] as const
      for (const which of order) {
        const run = which === 'raw' ? await rawConsumer(topic, end) : await source(topic, end)
        if (BigInt(run.records) !== end) throw new Error(`${which} read ${run.records} records, expected ${end}`)
        ;(which === 'raw' ? raw : ours).push(run)
        console.log(`round ${round} ${which.padEnd(6)} ${fmt(rate(run)).padStart(10)} records/s  (${(run.firstToLastMs / 1000).toFixed(2)} s first->last, ${(run.totalMs / 1000).toFixed(2)} s with setup)`)
      }
    }
    const rawRate = median(raw.map(rate))
    const ourRate = median(ours.map(rate))
    const mb = ours[0].bytes / 1e6
    console.log('')
    console.log(`records: ${fmt(Number(end))} (${mb.toFixed(0)} MB of values), rounds: ${args.rounds}, median of first->last record`)
    console.log(`raw @platformatic/kafka consumer: ${fmt(rawRate)} records/s`)
    console.log(`fromPartition:                    ${fmt(ourRate)} records/s`)
    console.log(`ratio fromPartition / raw:        ${(ourRate / rawRate).toFixed(2)} (target >= 0.90)`)
  } finally {
    if (args.topic === undefined && !args.keep) await deleteTopics(kafka, [topic])
    else console.log(`topic kept: ${topic}`)
  }
}

main().catch(error => {
  console.error(error)
  process.exitCode = 1
})
