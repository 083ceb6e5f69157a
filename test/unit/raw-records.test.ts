// Records built from a fetched batch: a record without headers gets the shared, read-only empty
// map (a Map per record was a tenth of what a scorer allocated); one with headers gets its own.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { KafkaRecord as RawRecord, RecordsBatch } from '@platformatic/kafka'
import { NO_HEADERS } from '../../src/record.js'
import { recordFromBatch } from '../../src/sources/raw-records.js'

const batch = { firstOffset: 100n, firstTimestamp: 1_790_000_000_000n, attributes: 0, records: [] } as unknown as RecordsBatch
const raw = (headers: RawRecord['headers']): RawRecord =>
  ({ length: 0, attributes: 0, timestampDelta: 5n, offsetDelta: 2, key: Buffer.from('1'), value: Buffer.from('0.5'), headers }) as RawRecord

test('a record without headers shares NO_HEADERS, which refuses changes', () => {
  const a = recordFromBatch('t', 0, batch, raw([]), 102n)
  const b = recordFromBatch('t', 1, batch, raw([]), 103n)
  assert.is(a.headers, NO_HEADERS)
  assert.is(b.headers, NO_HEADERS)
  assert.is(a.headers.size, 0)
  assert.throws(() => (a.headers as Map<string, Buffer>).set('x', Buffer.from('y')), /read-only/)
  assert.is(NO_HEADERS.size, 0)
  assert.is(a.timestamp, 1_790_000_000_005n)
  assert.is(a.offset, 102n)
})

test('a record with headers gets its own map, keys as text, a null value as empty bytes', () => {
  const r = recordFromBatch('t', 0, batch, raw([[Buffer.from('model'), Buffer.from('susy@1')], [Buffer.from('empty'), null]]), 102n)
  assert.is.not(r.headers, NO_HEADERS)
  assert.equal([...r.headers].map(([k, v]) => [k, v.toString()]), [['model', 'susy@1'], ['empty', '']])
})

test.run()
