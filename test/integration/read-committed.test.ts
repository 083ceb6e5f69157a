// read_committed as Kafka defines it, for every streamfit source: a Java transactional producer
// writes aborted and committed transactions, and a Java read_committed consumer is the referee.
// fromPartition, fromGroup and fromGroupBatches must each deliver exactly what it delivers.
// Without patches/@platformatic+kafka+1.35.0.patch the client lets aborted records through
// (docs/upstream/read-committed.md).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Consumer, FetchIsolationLevels } from '@platformatic/kafka'
import { lastValueFrom, map, mergeMap, take, tap, toArray } from 'rxjs'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import type { KafkaRecord } from '../../src/record.js'
import { fromGroup, fromGroupBatches, fromPartition } from '../../src/sources/index.js'
import { javaReadCommitted, javaTransactions } from '../support/java-referee.js'
import { uniqueName } from '../support/names.js'

const kafka = loadConfig().kafka
const brokers = kafka.brokers.join(',')

const line = (r: KafkaRecord): string => `${r.partition} ${r.offset} ${r.value?.toString() ?? ''}`

/** A consumer whose fetches return one record batch at a time (the broker always returns the first whole batch). */
function oneBatchConsumer (groupId: string): Consumer {
  return new Consumer({ ...connectionOptions(kafka, 'one-batch'), groupId, autocommit: false, isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxBytes: 1, maxBytesPerPartition: 1, maxWaitTime: 200 })
}

async function readAll (topic: string, smallFetches: boolean): Promise<Record<string, string[]>> {
  const maxBytes = smallFetches ? 1 : undefined
  const partition = await lastValueFrom(fromPartition({ topic, ...(maxBytes ? { maxBytes } : {}) }).pipe(map(line), toArray()))
  const groupConsumer = smallFetches ? oneBatchConsumer(`${topic}-g`) : undefined
  const batchConsumer = smallFetches ? oneBatchConsumer(`${topic}-b`) : undefined
  try {
    const group = await lastValueFrom(fromGroup({ topics: [topic], groupId: `${topic}-g`, streamTimeout: 3000, ...(groupConsumer ? { consumer: groupConsumer } : {}) }).pipe(map(line), toArray()))
    const batches = await lastValueFrom(fromGroupBatches({ topics: [topic], groupId: `${topic}-b`, streamTimeout: 3000, ...(batchConsumer ? { consumer: batchConsumer } : {}) }).pipe(
      mergeMap(b => b.ack().then(() => b.map(line))), mergeMap(lines => lines), toArray()))
    return { fromPartition: partition, fromGroup: group, fromGroupBatches: batches }
  } finally {
    await groupConsumer?.close().catch(() => {})
    await batchConsumer?.close().catch(() => {})
  }
}

async function judge (name: string, steps: string[], expected: number, { smallFetches = false } = {}): Promise<void> {
  const topic = uniqueName(`rc-${name}`)
  await ensureTopics(kafka, [{ name: topic, partitions: 1 }])
  try {
    await javaTransactions(brokers, topic, steps)
    const java = await javaReadCommitted(brokers, topic, smallFetches ? 1 : undefined)
    assert.is(java.length, expected, `the Java referee delivers the committed records (${java.length})`)
    const ours = await readAll(topic, smallFetches)
    for (const [source, lines] of Object.entries(ours)) {
      const leaked = lines.filter(l => !java.includes(l))
      assert.equal(leaked, [], `${source} delivered ${leaked.length} records that the Java consumer hides, e.g. ${leaked.slice(0, 2).join(' | ')}`)
      assert.equal(lines, java, `${source} delivers what the Java consumer delivers, in order (${lines.length} vs ${java.length})`)
    }
  } finally {
    await deleteTopics(kafka, [topic])
  }
}

test('one producer aborts two transactions in a row, then commits', async () => {
  await judge('two', ['A+100', 'A~', 'A+100', 'A~', 'A+100', 'A!'], 100)
})

test('one producer aborts three transactions in a row, then commits', async () => {
  await judge('three', ['A+60', 'A~', 'A+60', 'A~', 'A+60', 'A~', 'A+60', 'A!'], 60)
})

test('two producers interleave aborted and committed transactions on one partition', async () => {
  await judge('two-producers', [
    'A+30', 'B+30', 'A+30', 'B+30', 'A~', 'B!', // A aborted around B's committed transaction
    'B+20', 'A+20', 'B+20', 'B~', 'A+20', 'A!', // then the other way round
    'A+10', 'B+10', 'A~', 'B~', 'A+5', 'B+5', 'B!', 'A!'
  ], 60 + 40 + 10)
})

test('fetches of one batch each: an aborted batch and its marker never arrive together', async () => {
  await judge('cut', ['A+50', 'A+50', 'A~', 'B+40', 'A+30', 'B!', 'A+20', 'A~', 'A+10', 'A!'], 40 + 10, { smallFetches: true })
})

test('a control marker of a producer missing from the aborted list does not crash a reader', async () => {
  // Commit markers, and abort markers read from fetches that start after the aborted range.
  const topic = uniqueName('rc-markers')
  await ensureTopics(kafka, [{ name: topic, partitions: 1 }])
  try {
    await javaTransactions(brokers, topic, ['A+10', 'A~', 'B+10', 'B!', 'A+10', 'A!'])
    const java = await javaReadCommitted(brokers, topic)
    const fromMarker = await lastValueFrom(fromPartition({ topic, start: 10 }).pipe(map(line), toArray()))
    assert.equal(fromMarker, java)
    const some = await lastValueFrom(fromPartition({ topic, start: 11, maxBytes: 1 }).pipe(take(5), tap(() => {}), map(line), toArray()))
    assert.equal(some, java.slice(0, 5))
  } finally {
    await deleteTopics(kafka, [topic])
  }
})

test.run()
