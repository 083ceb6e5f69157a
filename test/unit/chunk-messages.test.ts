// How the sink splits a transaction's output into produce requests: the broker takes one batch
// per partition per request, each under max.message.bytes, so the budget is per partition.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { MessageToProduce } from '@platformatic/kafka'
import { BATCH_BUDGET, chunkMessages, REQUEST_BUDGET } from '../../src/kafka/chunk-messages.js'

const message = (topic: string, partition: number, bytes: number, id: number): MessageToProduce & { id: number } =>
  ({ topic, partition, value: Buffer.alloc(bytes), id })
const partitionOf = (m: MessageToProduce): number => m.partition ?? 0
const ids = (chunks: Array<Array<{ id: number }>>): number[][] => chunks.map(c => c.map(m => m.id))

test('two partitions fill one request together: each stays within its own budget', () => {
  // 2 x 1,000 records of 400 bytes: about 424 KB a partition, 848 KB in all (over the old 512 KB a request).
  const messages = Array.from({ length: 2000 }, (_, i) => message('out', i % 2, 400, i))
  const chunks = chunkMessages(messages, partitionOf)
  assert.is(chunks.length, 1)
  assert.is(chunks[0].length, 2000)
})

test('a partition over its budget starts the next request, and order is kept', () => {
  const size = 10_000
  const perBatch = Math.floor(BATCH_BUDGET / (size + 24))
  const messages = Array.from({ length: 3 * perBatch }, (_, i) => message('out', 0, size, i))
  const chunks = chunkMessages(messages, partitionOf)
  assert.equal(chunks.map(c => c.length), [perBatch, perBatch, perBatch])
  assert.equal(ids(chunks).flat(), messages.map(m => m.id))
})

test('headers and keys count toward the budget', () => {
  const headers = new Map([[Buffer.from('model'), Buffer.alloc(1000)]])
  const withHeaders = Array.from({ length: 2 }, (_, i) => ({ topic: 'out', partition: 0, key: Buffer.alloc(500), value: Buffer.alloc(500), headers, id: i }))
  // Each record is ~2 KB with its header and key: a 3 KB budget fits one, not two.
  assert.equal(ids(chunkMessages(withHeaders, partitionOf, 3000)), [[0], [1]])
  assert.equal(ids(chunkMessages(withHeaders, partitionOf, 5000)), [[0, 1]])
})

test('a record larger than the budget still goes, alone, for the broker to judge', () => {
  const messages = [message('out', 0, 10, 0), message('out', 0, 2 * BATCH_BUDGET, 1), message('out', 0, 10, 2)]
  assert.equal(ids(chunkMessages(messages, partitionOf)), [[0], [1], [2]])
})

test('many partitions: the request as a whole is bounded too', () => {
  const messages = Array.from({ length: 40 }, (_, i) => message('wide', i, 500_000, i))
  const chunks = chunkMessages(messages, partitionOf)
  const perRequest = Math.floor(REQUEST_BUDGET / (500_000 + 24))
  assert.is(chunks[0].length, perRequest)
  assert.equal(ids(chunks).flat(), messages.map(m => m.id))
})

test('topics are budgeted apart: the same partition number of two topics are two batches', () => {
  const size = 300_000
  const messages = [message('a', 0, size, 0), message('b', 0, size, 1), message('a', 0, size, 2), message('b', 0, size, 3)]
  assert.equal(ids(chunkMessages(messages, partitionOf)), [[0, 1, 2, 3]])
  // Budgeted together, a and b would overflow 500 KB at the second record.
  assert.equal(ids(chunkMessages(messages, () => 0, 500_000)), [[0, 1], [2, 3]])
})

test.run()
