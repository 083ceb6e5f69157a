// Integration tests of the Kafka sources against the real broker (KAFKA_BROKERS).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Producer } from '@platformatic/kafka'
import { bufferCount, concatMap, defer, lastValueFrom, retry, take, tap, toArray } from 'rxjs'
import * as streamfit from 'streamfit'
import { withAdmin } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import type { ConsumedRecord } from '../../src/record.js'
import { commitRecords, createGroupConsumer, FlowControl, fromGroup, fromGroupBatches, fromPartition } from '../../src/index.js'
import { committedOffsets, dropTopics, kafka, topicWith, valueOf } from '../support/numbered-topic.js'
import { uniqueName } from '../support/names.js'

const created: string[] = []
test.after(async () => { await dropTopics(...created) })

async function newTopic (count: number, options: { partitions?: number, valueSize?: number } = {}): Promise<string> {
  const topic = uniqueName('sources')
  created.push(topic)
  await topicWith(topic, count, options)
  return topic
}

const idOf = (r: ConsumedRecord): string => `${r.partition}:${r.offset}`
const numberOf = (r: ConsumedRecord): number => Number(r.value?.toString())

function assertOffsetOrder (records: ConsumedRecord[]): void {
  const last = new Map<number, bigint>()
  for (const r of records) {
    const previous = last.get(r.partition)
    assert.ok(previous === undefined || r.offset > previous, `partition ${r.partition}: offset ${r.offset} after ${previous}`)
    last.set(r.partition, r.offset)
  }
}

test('the package entry resolves to the same sources (self-reference)', () => {
  assert.is(streamfit.fromPartition, fromPartition)
  assert.is(streamfit.fromGroup, fromGroup)
  assert.is(streamfit.fromGroupBatches, fromGroupBatches)
})

test('fromPartition: reads one partition in offset order, and a second subscription replays it', async () => {
  const topic = await newTopic(6000, { partitions: 2 })
  // maxBytes forces many fetches, so order is checked across fetch boundaries too.
  const epoch = fromPartition({ topic, partition: 1, kafka, maxBytes: 4096 })
  const first = await lastValueFrom(epoch.pipe(toArray()))
  assert.is(first.length, 3000)
  first.forEach((r, i) => {
    assert.is(r.topic, topic)
    assert.is(r.partition, 1)
    assert.is(r.offset, BigInt(i))
    assert.is(numberOf(r), 2 * i + 1)
    assert.is(r.key?.toString(), String(2 * i + 1))
  })
  const second = await lastValueFrom(epoch.pipe(toArray()))
  assert.equal(second.map(r => [r.offset, numberOf(r)]), first.map(r => [r.offset, numberOf(r)]))
})

test('fromPartition: start and stop bound the range; the end is fixed when the subscription starts', async () => {
  const topic = await newTopic(2000)
  const range = await lastValueFrom(fromPartition({ topic, start: 100, stop: 250n, kafka }).pipe(toArray()))
  assert.equal(range.map(r => r.offset), Array.from({ length: 150 }, (_, i) => BigInt(100 + i)))
  // The source stalls after its first fetch (credits of 1, small fetches) while 500 more records
  // are produced; the epoch must still end at the 2000 records present when it started.
  const flow = new FlowControl(1)
  const epoch = await lastValueFrom(fromPartition({ topic, kafka, flow, maxBytes: 2048 }).pipe(
    concatMap(async (r, i) => {
      if (i === 0) await topicWith(topic, 500, { from: 2000 })
      flow.release(1)
      return r
    }),
    toArray()
  ))
  assert.is(epoch.length, 2000)
  assert.is(epoch[1999].offset, 1999n)
  const next = await lastValueFrom(fromPartition({ topic, start: 1990, kafka }).pipe(toArray()))
  assert.is(next.length, 510)
})

test('fromPartition: read_committed skips the records of an aborted transaction', async () => {
  const topic = await newTopic(0)
  const producer = new Producer({ ...connectionOptions(kafka, 'test-tx'), idempotent: true, transactionalId: uniqueName('tx'), acks: -1 })
  try {
    const send = async (from: number, commit: boolean): Promise<void> => {
      const tx = await producer.beginTransaction()
      await tx.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: valueOf(from + i) })) })
      await (commit ? tx.commit() : tx.abort())
    }
    await send(0, true)
    await send(10, false)
    await send(20, true)
  } finally {
    await producer.close()
  }
  const committed = await lastValueFrom(fromPartition({ topic, kafka }).pipe(toArray()))
  assert.equal(committed.map(numberOf), [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 20 + i)])
  const everything = await lastValueFrom(fromPartition({ topic, kafka, readCommitted: false }).pipe(toArray()))
  assert.is(everything.length, 30)
})

test('fromGroup: completes after the stream timeout with each record once; committed -> nothing; reset -> all again', async () => {
  const topic = await newTopic(3000, { partitions: 3 })
  const groupId = uniqueName('group')
  const consumer = createGroupConsumer({ groupId, kafka })
  try {
    await readCommitAndReread(topic, groupId, consumer)
  } finally {
    await consumer.close().catch(() => {})
  }
  // A source-owned consumer: it must leave the group when the stream completes.
  const run3 = await lastValueFrom(fromGroup({ topics: [topic], groupId, kafka, streamTimeout: 1000 }).pipe(toArray()))
  assert.is(run3.length, 0)
  assert.is(await membersOf(groupId), 0, 'the source-owned consumer left the group')
  await withAdmin(kafka, async admin => {
    await admin.alterConsumerGroupOffsets({
      groupId,
      topics: [{ name: topic, partitionOffsets: [0, 1, 2].map(partition => ({ partition, offset: 0n })) }]
    })
  })
  const run4 = await lastValueFrom(fromGroup({ topics: [topic], groupId, kafka, streamTimeout: 1000 }).pipe(toArray()))
  assert.is(run4.length, 3000)
  assert.is(new Set(run4.map(idOf)).size, 3000)
})

/** Reads the topic through a caller-owned consumer, commits, and reads again (nothing). */
async function readCommitAndReread (topic: string, groupId: string, consumer: ReturnType<typeof createGroupConsumer>): Promise<void> {
  let lastRecordAt = 0
  const run1 = await lastValueFrom(fromGroup({ topics: [topic], groupId, consumer, streamTimeout: 1500 }).pipe(
    tap(() => { lastRecordAt = Date.now() }),
    toArray()
  ))
  const quietFor = Date.now() - lastRecordAt
  assert.ok(quietFor >= 1400, `completed ${quietFor} ms after the last record, before the 1500 ms stream timeout`)
  assert.is(run1.length, 3000)
  assert.is(new Set(run1.map(idOf)).size, 3000)
  assert.equal(new Set(run1.map(numberOf)), new Set(Array.from({ length: 3000 }, (_, i) => i)))
  assertOffsetOrder(run1)
  // Nothing was committed by reading.
  assert.equal(await committedOffsets(groupId, topic, 3), [-1n, -1n, -1n])
  await commitRecords(consumer, run1)
  assert.equal(await committedOffsets(groupId, topic, 3), [1000n, 1000n, 1000n])

  const run2 = await lastValueFrom(fromGroup({ topics: [topic], groupId, consumer, streamTimeout: 1000 }).pipe(toArray()))
  assert.is(run2.length, 0)
}

async function membersOf (groupId: string): Promise<number> {
  // Leaving is asynchronous to the unsubscription: give the close a moment.
  return withAdmin(kafka, async admin => {
    let members = -1
    for (let i = 0; i < 50 && members !== 0; i++) {
      members = (await admin.describeGroups({ groups: [groupId] })).get(groupId)?.members.size ?? 0
      if (members !== 0) await new Promise(resolve => setTimeout(resolve, 100))
    }
    return members
  })
}

test('unsubscribing mid-stream closes the source-owned consumers: they leave the group', async () => {
  const topic = await newTopic(1000)
  const groupId = uniqueName('group')
  const five = await lastValueFrom(fromGroup({ topics: [topic], groupId, kafka, streamTimeout: -1 }).pipe(take(5), toArray()))
  assert.is(five.length, 5)
  assert.is(await membersOf(groupId), 0)
  const batchesGroup = uniqueName('batches')
  const [batch] = await lastValueFrom(fromGroupBatches({ topics: [topic], groupId: batchesGroup, kafka, maxRecords: 10 }).pipe(take(1), toArray()))
  assert.is(batch.length, 10)
  assert.is(await membersOf(batchesGroup), 0)
  // The consumer is gone: a late ack cannot commit, and says so instead of hanging.
  await batch.ack().then(() => assert.unreachable('ack after close resolved'), (error: Error) => assert.match(error.message, /committing acknowledged offsets failed/))
  const partial = await lastValueFrom(fromPartition({ topic, kafka }).pipe(take(3), toArray()))
  assert.equal(partial.map(r => r.offset), [0n, 1n, 2n])
})

test('fromGroup: retry() after a failure starts again at the committed offsets', async () => {
  const topic = await newTopic(1000)
  const groupId = uniqueName('group')
  const consumer = createGroupConsumer({ groupId, kafka })
  const firstOffsets: bigint[] = []
  const seen = new Map<bigint, number>()
  let failed = false
  try {
    await lastValueFrom(defer(() => {
      let first = true
      return fromGroup({ topics: [topic], groupId, consumer, streamTimeout: 1000 }).pipe(tap(r => {
        if (first) firstOffsets.push(r.offset)
        first = false
      }))
    }).pipe(
      bufferCount(100),
      concatMap(async records => {
        for (const r of records) seen.set(r.offset, (seen.get(r.offset) ?? 0) + 1)
        // The third batch fails once, before its offsets are committed.
        if (records[0].offset === 200n && !failed) {
          failed = true
          throw new Error('simulated failure')
        }
        await commitRecords(consumer, records)
      }),
      retry(1)
    ), { defaultValue: undefined })
  } finally {
    await consumer.close()
  }
  assert.ok(failed)
  assert.equal(firstOffsets, [0n, 200n])
  for (let o = 0n; o < 1000n; o++) assert.is(seen.get(o), o >= 200n && o < 300n ? 2 : 1, `offset ${o}`)
  assert.equal(await committedOffsets(groupId, topic, 1), [1000n])
})

test('fromGroupBatches: every record once across batches; acknowledged offsets are committed', async () => {
  const topic = await newTopic(5000, { partitions: 2 })
  const groupId = uniqueName('batches')
  const batches: ConsumedRecord[][] = []
  await lastValueFrom(fromGroupBatches({ topics: [topic], groupId, kafka, maxRecords: 300, streamTimeout: 1500 }).pipe(
    concatMap(async batch => {
      batches.push([...batch])
      await batch.ack()
    })
  ), { defaultValue: undefined })
  const all = batches.flat()
  assert.ok(batches.length >= 17, `5000 records in batches of at most 300 make >= 17 batches, got ${batches.length}`)
  for (const b of batches) assert.ok(b.length >= 1 && b.length <= 300, `batch of ${b.length}`)
  assert.is(all.length, 5000)
  assert.is(new Set(all.map(idOf)).size, 5000)
  assertOffsetOrder(all)
  assert.equal(await committedOffsets(groupId, topic, 2), [2500n, 2500n])
  const again = await lastValueFrom(fromGroupBatches({ topics: [topic], groupId, kafka, streamTimeout: 1000 }).pipe(toArray()))
  assert.is(again.length, 0)
})

test('fromGroupBatches: only the acknowledged prefix of batches is committed', async () => {
  const topic = await newTopic(900)
  const groupId = uniqueName('batches')
  const consumer = createGroupConsumer({ groupId, kafka })
  try {
    const [b0, b1, b2] = await lastValueFrom(fromGroupBatches({ topics: [topic], groupId, consumer, maxRecords: 100, highWaterMark: 1000 }).pipe(take(3), toArray()))
    assert.equal([b0, b1, b2].map(b => [b[0].offset, b.length]), [[0n, 100], [100n, 100], [200n, 100]])
    await b0.ack()
    assert.equal(await committedOffsets(groupId, topic, 1), [100n])
    let b2Done = false
    const b2Acked = b2.ack().then(() => { b2Done = true })
    await new Promise(resolve => setTimeout(resolve, 300))
    // Batch 1 is unacknowledged: committing batch 2 would skip it after a crash.
    assert.is(b2Done, false)
    assert.equal(await committedOffsets(groupId, topic, 1), [100n])
    await b1.ack()
    await b2Acked
    assert.equal(await committedOffsets(groupId, topic, 1), [300n])
  } finally {
    await consumer.close()
  }
})

test.run()
