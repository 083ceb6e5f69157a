// Tagged fields in responses (KIP-482) must be skipped whole. @platformatic/kafka 1.35.0 read the
// field count as a signed varint and skipped that many bytes, so one tagged field (a count of 1,
// read as -1) skipped nothing and everything after it was misread. A broker sends one with every
// NOT_LEADER_OR_FOLLOWER produce error (CurrentLeader, KIP-951): the response failed to parse with
// "Out of bounds", and the producer re-sent the whole request, writing again the partitions the
// broker had appended (test/integration/producer-retry.test.ts). patches/@platformatic+kafka+1.35.0.patch
// fixes the reader; docs/upstream/tagged-fields-and-retries.md is the upstream write-up.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { produceV11, Reader } from '@platformatic/kafka'

const uvarint = (n: number): Buffer => {
  const bytes: number[] = []
  while (n >= 0x80) { bytes.push((n & 0x7f) | 0x80); n >>>= 7 }
  bytes.push(n)
  return Buffer.from(bytes)
}
const int16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b }
const int32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b }
const int64 = (n: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b }
const compactString = (s: string): Buffer => Buffer.concat([uvarint(Buffer.byteLength(s) + 1), Buffer.from(s)])
const taggedFields = (fields: Array<[number, Buffer]>): Buffer =>
  Buffer.concat([uvarint(fields.length), ...fields.flatMap(([tag, data]) => [uvarint(tag), uvarint(data.length), data])])

interface PartitionSpec { index: number, errorCode: number, baseOffset: bigint, tags: Array<[number, Buffer]> }

function partition (p: PartitionSpec): Buffer {
  return Buffer.concat([
    int32(p.index), int16(p.errorCode), int64(p.baseOffset), int64(-1n), int64(0n),
    uvarint(1), // record_errors: empty compact array
    uvarint(0), // error_message: null
    taggedFields(p.tags)
  ])
}

/** A Produce v11 response body (after the header) for one topic. */
function produceResponse (topic: string, partitions: PartitionSpec[]): Buffer {
  return Buffer.concat([
    uvarint(2), compactString(topic), uvarint(partitions.length + 1), ...partitions.map(partition), taggedFields([]),
    int32(0), // throttle_time_ms
    taggedFields([])
  ])
}

// CurrentLeader (tag 0 of a partition response): leader id, leader epoch, no tagged fields.
const currentLeader: [number, Buffer] = [0, Buffer.concat([int32(1), int32(7), taggedFields([])])]

function parse (body: Buffer): unknown {
  return produceV11.parseResponse(1, 0, 11, Reader.from(body))
}

test('a partition response with a tagged field: the partitions after it are read correctly', () => {
  const body = produceResponse('t', [
    { index: 0, errorCode: 6, baseOffset: -1n, tags: [currentLeader] },
    { index: 1, errorCode: 0, baseOffset: 42n, tags: [] },
    { index: 2, errorCode: 0, baseOffset: 7n, tags: [] }
  ])
  let error: { response?: { responses: Array<{ name: string, partitionResponses: Array<{ index: number, errorCode: number, baseOffset: bigint }> }> } } | undefined
  try { parse(body) } catch (e) { error = e as typeof error }
  // NOT_LEADER_OR_FOLLOWER on partition 0 makes it a ResponseError that still carries every partition.
  assert.ok(error?.response, `expected a ResponseError with the parsed response, got ${String(error)}`)
  const [topic] = error.response.responses
  assert.is(topic.name, 't')
  assert.equal(topic.partitionResponses.map(p => [p.index, p.errorCode, p.baseOffset]), [[0, 6, -1n], [1, 0, 42n], [2, 0, 7n]])
})

test('several tagged fields, of any size, are skipped', () => {
  const big = Buffer.alloc(300, 1) // a size that needs a two-byte varint
  const body = produceResponse('topic-with-a-longer-name', [
    { index: 3, errorCode: 0, baseOffset: 100n, tags: [[0, big], [5, Buffer.from([1, 2, 3])]] },
    { index: 4, errorCode: 0, baseOffset: 200n, tags: [] }
  ])
  const response = parse(body) as { responses: Array<{ partitionResponses: Array<{ index: number, baseOffset: bigint }> }> }
  assert.equal(response.responses[0].partitionResponses.map(p => [p.index, p.baseOffset]), [[3, 100n], [4, 200n]])
})

test.run()
