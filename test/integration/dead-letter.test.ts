// Dead-letter sink against the real broker: malformed SUSY records produced to a topic, read back,
// decoded; the bad ones must be in the DLQ topic with reason and source coordinates, the good
// ones must flow on. The source records come from fromPartition (the pipeline as users write it);
// the DLQ is read back with a plain @platformatic/kafka consumer.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { randomBytes } from 'node:crypto'
import { Consumer, Producer } from '@platformatic/kafka'
import { concat, from, lastValueFrom, tap, toArray } from 'rxjs'
import { connectionOptions } from '../../src/kafka/connection.js'
import { deleteTopics, endOffsets, ensureTopics } from '../../src/kafka/admin.js'
import { decodeCsv, DLQ_HEADERS, fromPartition, KafkaDeadLetterSink, loadConfig, readDeadLetterHeaders, toConsumedRecord, type ConsumedRecord } from '../../src/index.js'

const config = loadConfig()
const suffix = randomBytes(4).toString('hex')
const SOURCE = `ops-source-${suffix}`
const DLQ = `ops-dlq-${suffix}`
const DLQ_BURST = `ops-dlq-burst-${suffix}`

const GOOD = '0.5147738456726073,1.0648096799850464,-0.4306025505065917,0.6434211134910583,1.365856647491455,1.415268301963806,0.7693983316421508,-0.799468159675598,0.7271212935447693,1.0767310857772827,0.4780502617359161,0.6003792285919188,1.114469051361084,0.0,0.4997004866600036,0.40645432472229,1.551685810089111,0.2222750037908554'
const field = (i: number, text: string): string => GOOD.split(',').map((f, j) => j === i ? text : f).join(',')
// [reason, key, value]; null means no key / no value.
const BAD: Array<[string, string | null, string | null]> = [
  ['arity', '1.0', GOOD + ',0.5'],
  ['arity', '0.0', GOOD.split(',').slice(0, 17).join(',')],
  ['not-finite', '1.0', field(4, 'NaN')],
  ['not-a-number', '0.0', field(0, 'lepton')],
  ['empty-value', '1.0', ''],
  ['null-value', '1.0', null],
  ['empty-field', '0.0', field(17, '')],
  ['bad-label', '2.0', GOOD],
  ['bad-label', 'signal', GOOD],
  ['missing-key', null, GOOD]
]

async function readTopic (topic: string, count: number): Promise<ConsumedRecord[]> {
  const consumer = new Consumer({ ...connectionOptions(config.kafka, 'ops-test'), groupId: `ops-test-${randomBytes(4).toString('hex')}`, autocommit: false, maxWaitTime: 200 })
  const records: ConsumedRecord[] = []
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
    const deadline = setTimeout(() => { stream.close().catch(() => {}) }, 20000)
    for await (const message of stream) {
      records.push(toConsumedRecord(message))
      if (records.length === count) break
    }
    clearTimeout(deadline)
    await stream.close()
  } finally {
    await consumer.close()
  }
  return records
}

test.before(async () => {
  await ensureTopics(config.kafka, [{ name: SOURCE, partitions: 2 }, { name: DLQ, partitions: 1 }, { name: DLQ_BURST, partitions: 2 }])
})

test.after(async () => {
  await deleteTopics(config.kafka, [SOURCE, DLQ, DLQ_BURST])
})

test('bad records land in the DLQ topic with reason, detail and source coordinates; good ones flow on', async () => {
  const producer = new Producer({ ...connectionOptions(config.kafka, 'ops-test'), acks: -1 })
  const messages = BAD.flatMap(([, key, value], i) => [
    { topic: SOURCE, partition: i % 2, key: Buffer.from('1.0'), value: Buffer.from(GOOD), headers: new Map([[Buffer.from('trace'), Buffer.from(`good-${i}`)]]) },
    { topic: SOURCE, partition: i % 2, ...(key === null ? {} : { key: Buffer.from(key) }), ...(value === null ? {} : { value: Buffer.from(value) }), headers: new Map([[Buffer.from('trace'), Buffer.from(`bad-${i}`)]]) }
  ])
  try {
    await producer.send({ messages })
  } finally {
    await producer.close()
  }
  const source: ConsumedRecord[] = []
  const sink = new KafkaDeadLetterSink({ topic: DLQ })
  const decode = decodeCsv({ deadLetter: sink })
  let examples
  try {
    const read = concat(fromPartition({ topic: SOURCE, partition: 0 }), fromPartition({ topic: SOURCE, partition: 1 }))
    examples = await lastValueFrom(read.pipe(tap(r => source.push(r)), decode, toArray()))
  } finally {
    await sink.close()
  }
  assert.is(source.length, messages.length)
  // Good records flow on.
  assert.equal(examples.map(e => e.record.headers.get('trace')?.toString()).sort(), BAD.map((_, i) => `good-${i}`).sort())
  assert.is(decode.stats.decoded, BAD.length)
  assert.is(decode.stats.deadLettered, BAD.length)
  assert.is(sink.total, BAD.length)
  assert.is(sink.counts.arity, 2)
  assert.is(sink.counts['bad-label'], 2)

  const dead = await readTopic(DLQ, BAD.length)
  assert.is(dead.length, BAD.length)
  const byTrace = new Map(source.map(r => [r.headers.get('trace')!.toString(), r]))
  for (const d of dead) {
    const trace = d.headers.get('trace')?.toString() ?? ''
    const i = Number(trace.replace('bad-', ''))
    assert.ok(trace.startsWith('bad-'), `only bad records in the DLQ, got ${trace}`)
    const original = byTrace.get(trace)!
    const h = readDeadLetterHeaders(d.headers)
    assert.is(h.reason, BAD[i][0], `${trace}: ${h.detail}`)
    assert.ok((h.detail ?? '').length > 0)
    assert.is(h.topic, SOURCE)
    assert.is(h.partition, original.partition)
    assert.is(h.offset, original.offset)
    assert.is(d.headers.get(DLQ_HEADERS.timestamp)?.toString(), original.timestamp.toString())
    // Original key and value, byte for byte; a null value stays null, an empty one empty.
    assert.equal(d.key, original.key)
    assert.equal(d.value, original.value)
    assert.is(d.value?.toString() ?? null, BAD[i][2])
    assert.is(d.key?.toString() ?? null, BAD[i][1])
  }
  assert.equal(dead.map(d => d.headers.get('trace')!.toString()).sort(), BAD.map((_, i) => `bad-${i}`).sort())
})

test('a burst of 2,000 bad records among good ones: every one in the DLQ, once', async () => {
  const input: ConsumedRecord[] = Array.from({ length: 6000 }, (_, i) => ({
    topic: 'burst-source', partition: i % 3, offset: BigInt(i), timestamp: BigInt(i), headers: new Map(),
    key: Buffer.from(i % 2 === 0 ? '1.0' : '0.0'),
    value: Buffer.from(i % 3 === 0 ? field(i % 18, 'x' + i) : GOOD)
  }))
  const sink = new KafkaDeadLetterSink({ topic: DLQ_BURST })
  let decoded
  try {
    decoded = await lastValueFrom(from(input).pipe(decodeCsv({ deadLetter: sink }), toArray()))
  } finally {
    await sink.close()
  }
  assert.is(decoded.length, 4000)
  assert.is(sink.counts['not-a-number'], 2000)
  const dead = await readTopic(DLQ_BURST, 2000)
  const offsets = dead.map(d => Number(readDeadLetterHeaders(d.headers).offset)).sort((a, b) => a - b)
  assert.equal(offsets, Array.from({ length: 2000 }, (_, k) => 3 * k))
  const ends = await endOffsets(config.kafka, DLQ_BURST)
  assert.is(ends.reduce((a, b) => a + b, 0n), 2000n, 'no duplicates beyond the 2,000 read')
})

test('a dead-letter write that cannot be produced fails the stream instead of vanishing', async () => {
  const sink = new KafkaDeadLetterSink({ topic: `ops-missing-${suffix}` }) // does not exist; not auto-created
  const bad: ConsumedRecord = { topic: SOURCE, partition: 0, offset: 0n, key: Buffer.from('1'), value: Buffer.from('x'), timestamp: 0n, headers: new Map() }
  try {
    await lastValueFrom(from([bad]).pipe(decodeCsv({ deadLetter: sink }), toArray()))
    assert.unreachable('the stream should fail')
  } catch (err) {
    assert.not.instance(err, assert.Assertion)
    assert.match((err as Error).message, /ops-missing/) // the producer's own error, not a decode error
  } finally {
    await sink.close().catch(() => {})
  }
})

test.run()
