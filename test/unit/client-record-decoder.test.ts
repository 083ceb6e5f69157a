// The record batch decoder of the consumer. patches/@platformatic+kafka+1.35.0.patch decodes a
// fetch response's batches in one pass over a contiguous buffer (the client's own reads every
// field through a DynamicBuffer, with a BigInt loop per timestamp delta). It must return exactly
// what the client's decoder returns, which the patch keeps as readRecordsBatchesGeneric, however
// the response is cut into socket chunks, with compressed, transactional and truncated batches.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as kafka from '@platformatic/kafka'
import { Reader, readRecordsBatches } from '@platformatic/kafka'
import { seededRandom } from '../../src/random.js'

type Encoder = (messages: unknown[], options?: Record<string, unknown>) => { buffer: Buffer }
type Decoder = (reader: Reader) => unknown[]
const encode = (kafka as unknown as { createRecordsBatch: Encoder }).createRecordsBatch
const generic = (kafka as unknown as { readRecordsBatchesGeneric?: Decoder }).readRecordsBatchesGeneric
// The client's chunked buffer, as a fetch response arrives (not exported by the package).
const DynamicBuffer = (Reader.from(Buffer.alloc(0)) as unknown as { buffer: { constructor: new (buffers: Buffer[]) => unknown } }).buffer.constructor

function bytes (next: () => number, max: number): Buffer | null {
  if (next() < 0.1) return null
  return Buffer.from(Array.from({ length: Math.floor(next() * max) }, () => Math.floor(next() * 256)))
}

/** One encoded batch of `count` random records; `deltaDigits` bounds the timestamp deltas. */
function batch (next: () => number, count: number, options: Record<string, unknown> = {}, deltaDigits = 8): Buffer {
  const base = 1_790_000_000_000n
  const messages = Array.from({ length: count }, () => {
    const headers = new Map<Buffer, Buffer | null>()
    for (let h = Math.floor(next() * 3); h > 0; h--) headers.set(Buffer.from(`h${h}`), bytes(next, 30))
    return {
      topic: 't',
      partition: 0,
      key: bytes(next, 20),
      value: bytes(next, next() < 0.05 ? 70_000 : 300),
      headers: next() < 0.4 ? undefined : headers,
      timestamp: base + BigInt(Math.floor((next() - 0.3) * 10 ** (1 + Math.floor(next() * deltaDigits))))
    }
  })
  return encode(messages, options).buffer
}

/** The response cut into `pieces` chunks at random points, as the socket delivers it. */
function chunked (next: () => number, whole: Buffer, pieces: number): Reader {
  const cuts = [...new Set(Array.from({ length: pieces - 1 }, () => Math.floor(next() * whole.length)))].sort((a, b) => a - b)
  const chunks = [0, ...cuts].map((from, i) => whole.subarray(from, cuts[i] ?? whole.length)).filter(c => c.length > 0)
  return new Reader(new DynamicBuffer(chunks) as never)
}

/** Buffers as hex and BigInts as text, so that the two results compare by value. */
function plain (value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : (v as { type?: string })?.type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v))
}

function same (whole: Buffer, next: () => number, pieces: number, what: string): void {
  const expected = generic!(chunked(next, whole, pieces))
  const reader = chunked(next, whole, pieces)
  const actual = readRecordsBatches(reader)
  assert.equal(plain(actual), plain(expected), what)
  assert.ok(actual.length > 0, `${what}: some batches decoded`)
}

test('the patch is applied (the client\'s decoder is kept for comparison)', () => {
  assert.type(generic, 'function')
})

test('random responses decode to exactly what the client\'s decoder returns, in any chunking', () => {
  const next = seededRandom(3)
  for (let round = 0; round < 40; round++) {
    const batches = Array.from({ length: 1 + Math.floor(next() * 4) }, () => batch(next, 1 + Math.floor(next() * 200),
      next() < 0.3 ? { transactionalId: 'tx', producerId: 77n, producerEpoch: 2, sequences: new kafka.NumericMap([['t:0', 5]]) } : {}))
    same(Buffer.concat(batches), next, 1 + Math.floor(next() * 30), `round ${round}`)
  }
})

test('deltas needing more than 7 varint bytes, a compressed batch between plain ones, a truncated last batch', () => {
  const next = seededRandom(5)
  // Deltas up to 10^17 ms: their zigzag varints take 8 and 9 bytes.
  same(batch(next, 300, {}, 17), next, 5, 'long deltas')
  const gzip = batch(next, 50, { compression: 'gzip' })
  same(Buffer.concat([batch(next, 20), gzip, batch(next, 20)]), next, 7, 'compressed in the middle')
  const last = batch(next, 40)
  same(Buffer.concat([batch(next, 30), last.subarray(0, last.length - 9)]), next, 4, 'truncated last batch (a fetch may end mid-batch)')
})

test('the reader ends where the client\'s would, after the last whole batch', () => {
  const next = seededRandom(9)
  const last = batch(next, 10)
  const whole = Buffer.concat([batch(next, 10), batch(next, 10), last.subarray(0, 30)])
  const a = chunked(next, whole, 3)
  const b = chunked(next, whole, 3)
  readRecordsBatches(a)
  generic!(b)
  assert.is(a.position, b.position)
  assert.is(a.position, whole.length - 30)
})

test.run()
