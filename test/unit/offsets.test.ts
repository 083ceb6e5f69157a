// The offset rules of src/kafka/offsets.ts, without services: the last record per partition and
// the +1 rule of plain commits. The commits themselves are tested against the broker (sources,
// eos, lag, online-resume).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { lastPerPartition, nextOffsets, nextOffsetsByPartition } from '../../src/kafka/offsets.js'
import type { ConsumedRecord } from '../../src/record.js'

const record = (topic: string, partition: number, offset: bigint): ConsumedRecord =>
  ({ topic, partition, offset, key: Buffer.from('1'), value: Buffer.from(`v${offset}`), timestamp: 1000n + offset, headers: new Map([['h', Buffer.from('x')]]) })

const batch = [record('a', 0, 5n), record('a', 1, 2n), record('a', 0, 7n), record('b', 0, 0n), record('a', 0, 6n)]

test('lastPerPartition keeps the highest offset of each partition, in first-seen order', () => {
  assert.equal(lastPerPartition(batch).map(r => [r.topic, r.partition, r.offset]), [['a', 0, 7n], ['a', 1, 2n], ['b', 0, 0n]])
  assert.equal(lastPerPartition([]), [])
})

test('a committed offset is the next one to read: the last offset + 1', () => {
  assert.equal(nextOffsets(batch), [
    { topic: 'a', partition: 0, offset: 8n, leaderEpoch: -1 },
    { topic: 'a', partition: 1, offset: 3n, leaderEpoch: -1 },
    { topic: 'b', partition: 0, offset: 1n, leaderEpoch: -1 }
  ])
  assert.equal([...nextOffsetsByPartition(batch)], [['a:0', 8n], ['a:1', 3n], ['b:0', 1n]])
})

test.run()
