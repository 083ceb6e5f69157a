// The record batch encoder of the producer. patches/@platformatic+kafka+1.35.0.patch adds a
// one-pass encoder for uncompressed batches (one buffer, sizes first, CRC in place; the client's
// own builds a Writer per record and copies the batch twice more). It must write exactly the
// bytes the client's encoder writes, which the patch keeps as createRecordsBatchGeneric.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as kafka from '@platformatic/kafka'
import { Reader, readRecordsBatch } from '@platformatic/kafka'

type Encoder = (messages: unknown[], options?: Record<string, unknown>) => { buffer: Buffer }
const fast = (kafka as unknown as { createRecordsBatch: Encoder }).createRecordsBatch
const generic = (kafka as unknown as { createRecordsBatchGeneric?: Encoder }).createRecordsBatchGeneric

// A deterministic generator: the same messages on every run.
function random (seed: number): () => number {
  return () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 }
}

function bytes (next: () => number, max: number): Buffer | null {
  if (next() < 0.1) return null
  return Buffer.from(Array.from({ length: Math.floor(next() * max) }, () => Math.floor(next() * 256)))
}

function messages (seed: number, count: number, maxSize: number): Array<Record<string, unknown>> {
  const next = random(seed)
  const base = 1_790_000_000_000n
  return Array.from({ length: count }, (_, i) => {
    const headers = new Map<Buffer, Buffer | null>()
    const headerCount = Math.floor(next() * 3)
    for (let h = 0; h < headerCount; h++) headers.set(Buffer.from(`h${h}`), bytes(next, 40))
    return {
      topic: 't',
      partition: 0,
      key: bytes(next, 20),
      value: bytes(next, maxSize),
      headers: next() < 0.3 ? undefined : headers,
      // Deltas either way from the first record's, some needing several varint bytes.
      timestamp: base + BigInt(Math.floor((next() - 0.3) * 10 ** (1 + Math.floor(next() * 8))))
    }
  })
}

const clone = (ms: Array<Record<string, unknown>>): Array<Record<string, unknown>> => ms.map(m => ({ ...m }))

test('the patch is applied (the client\'s encoder is kept for comparison)', () => {
  assert.type(generic, 'function')
})

test('uncompressed batches are byte for byte what the client\'s encoder writes', () => {
  const cases: Array<[number, number, number, Record<string, unknown>]> = [
    [1, 1, 10, {}],
    [2, 50, 200, {}],
    [3, 500, 5000, { transactionalId: 'tx', producerId: 1234n, producerEpoch: 7, sequences: new kafka.NumericMap([['t:0', 99]]) }],
    [4, 3000, 100, { partitionLeaderEpoch: 5 }],
    [5, 20, 70_000, {}] // values whose length varint takes three bytes
  ]
  for (const [seed, count, maxSize, options] of cases) {
    const input = messages(seed, count, maxSize)
    const expected = generic!(clone(input), options).buffer
    const actual = fast(clone(input), options).buffer
    assert.is(actual.length, expected.length, `seed ${seed}: length`)
    assert.ok(actual.equals(expected), `seed ${seed}: bytes differ`)
  }
})

test('a batch without timestamps decodes to its records, with the time of encoding', () => {
  const before = BigInt(Date.now())
  const input = [
    { topic: 't', partition: 0, key: Buffer.from('k'), value: Buffer.from('v1') },
    { topic: 't', partition: 0, key: null, value: Buffer.from('v2'), headers: new Map([[Buffer.from('model'), Buffer.from('susy@1')]]) }
  ]
  const batch = readRecordsBatch(Reader.from(fast(input).buffer))
  assert.is(batch.records.length, 2)
  assert.ok(batch.firstTimestamp >= before)
  assert.equal(batch.records.map(r => [r.key?.toString() ?? null, r.value?.toString(), r.headers.map(([k, v]) => `${k?.toString()}=${v?.toString()}`)]),
    [['k', 'v1', []], [null, 'v2', ['model=susy@1']]])
})

test('compressed batches still take the client\'s path', () => {
  const input = messages(6, 100, 300)
  const expected = generic!(clone(input), { compression: 'gzip' }).buffer
  const actual = fast(clone(input), { compression: 'gzip' }).buffer
  // gzip output depends only on its input: same records, same bytes.
  assert.ok(actual.equals(expected))
})

test.run()
