// Backpressure: a subscriber slower than Kafka must not make the records in flight grow without
// bound. Counted, not timed: the test tracks emitted minus processed records after every record.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { concatMap, lastValueFrom, tap, type Observable } from 'rxjs'
import type { ConsumedRecord } from '../../src/record.js'
import { FlowControl, fromGroup, fromPartition } from '../../src/index.js'
import { dropTopics, kafka, topicWith } from '../support/numbered-topic.js'
import { uniqueName } from '../support/names.js'

const RECORDS = 200_000
const HIGH_WATER_MARK = 2_000
// The test producer writes batches of ~16,000 such records: one fetch is far above the mark.
const VALUE_SIZE = 8

const topic = uniqueName('backpressure')
test.before(async () => { await topicWith(topic, RECORDS, { valueSize: VALUE_SIZE }) })
test.after(async () => { await dropTopics(topic) })

interface Counts { received: number, maxInFlight: number, duplicates: number }

/**
 * Subscribes with a consumer that finishes one record per event-loop turn (far slower than a
 * local broker delivers them) and counts the records emitted but not yet processed.
 */
async function readSlowly (source: Observable<ConsumedRecord>, flow?: FlowControl, expected = RECORDS): Promise<Counts> {
  let emitted = 0
  let processed = 0
  let maxInFlight = 0
  let duplicates = 0
  const seen = new Uint8Array(expected)
  await lastValueFrom(source.pipe(
    tap(() => {
      emitted++
      if (emitted - processed > maxInFlight) maxInFlight = emitted - processed
    }),
    concatMap(async record => {
      await nextTurn()
      const n = Number(record.value?.toString())
      if (seen[n] === 1) duplicates++
      seen[n] = 1
      processed++
      flow?.release(1)
    })
  ), { defaultValue: undefined })
  return { received: seen.reduce((a, b) => a + b, 0), maxInFlight, duplicates }
}

test(`fromGroup with FlowControl(${HIGH_WATER_MARK}): a slow subscriber reads ${RECORDS} records, never more than the high-water mark in flight`, async () => {
  const flow = new FlowControl(HIGH_WATER_MARK)
  const counts = await readSlowly(fromGroup({ topics: [topic], groupId: uniqueName('bp'), kafka, streamTimeout: 2000, flow }), flow)
  assert.is(counts.received, RECORDS)
  assert.is(counts.duplicates, 0)
  // The platformatic stream is paused the moment the credits run out.
  assert.ok(counts.maxInFlight <= HIGH_WATER_MARK, `max in flight ${counts.maxInFlight}`)
  assert.is(flow.maxBuffered, counts.maxInFlight)
  assert.ok(counts.maxInFlight >= HIGH_WATER_MARK / 2, `the slow subscriber should have filled the credits, max ${counts.maxInFlight}`)
})

test(`fromPartition with FlowControl(${HIGH_WATER_MARK}): a slow subscriber reads ${RECORDS} records, never more than the high-water mark in flight`, async () => {
  const flow = new FlowControl(HIGH_WATER_MARK)
  const counts = await readSlowly(fromPartition({ topic, kafka, flow }), flow)
  assert.is(counts.received, RECORDS)
  assert.is(counts.duplicates, 0)
  // Emission stops mid-fetch when the credits run out.
  assert.ok(counts.maxInFlight <= HIGH_WATER_MARK, `max in flight ${counts.maxInFlight}`)
  assert.is(flow.maxBuffered, counts.maxInFlight)
  assert.ok(counts.maxInFlight >= HIGH_WATER_MARK / 2, `the slow subscriber should have filled the credits, max ${counts.maxInFlight}`)
})

test('without FlowControl the same slow subscriber queues whole fetches (what the bound prevents)', async () => {
  // 50,000 records are enough to show it; RxJS's concatMap queue makes a larger run slow.
  const counts = await readSlowly(fromPartition({ topic, kafka, stop: 50_000 }), undefined, 50_000)
  assert.is(counts.received, 50_000)
  assert.ok(counts.maxInFlight > 10 * HIGH_WATER_MARK, `max in flight ${counts.maxInFlight}`)
})

test.run()
