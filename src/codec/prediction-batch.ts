// The scorer's hot path for prediction records: one batch's JSON values are written as bytes
// into one buffer, and each message's value is a slice of it. Building a string per record
// and then a Buffer from it was the largest allocation in the scorer (about 1 KB a record,
// most of it promoted to the old generation while the transaction is open), and that garbage
// is what made the scorer's RSS swing between collections.
//
// The bytes are exactly JSON.stringify(toPrediction(...)): test/unit/prediction-codec.test.ts.
import type { MessageToProduce } from '@platformatic/kafka'
import type { ConsumedRecord } from '../record.js'
import { DECISION_THRESHOLD, modelHeaders } from './prediction.js'

/** What one prediction needs from its input: the record and the label decoded from it. */
export interface Scored {
  record: ConsumedRecord
  /** A binary label: 0, 1 or null (typed as Example's, which also carries other tasks' labels). */
  label: number | null
}

// Longest variable parts: offset digits (2^53 has 16) and a double's shortest form (24 chars).
const OFFSET_MAX = 16
const SCORE_MAX = 24
const SCORE_PREFIX = Buffer.from('},"score":')
// ,"predicted":P,"label":L for P in 0/1 and L in null/0/1.
const VERDICTS = [0, 1].map(p => ['null', '0', '1'].map(l => Buffer.from(`,"predicted":${p},"label":${l}`)))

/**
 * The prediction messages for `scored[i]` with `scores[i]`, keyed like their inputs, with the
 * model header. Every value is a view of one buffer per call, so they live and die together.
 */
export function predictionMessages (topic: string, scored: readonly Scored[], scores: ArrayLike<number>, model: string, scoredAt: string): MessageToProduce[] {
  const n = scored.length
  const messages: MessageToProduce[] = new Array(n)
  if (n === 0) return messages
  const headers = modelHeaders(model)
  const tail = Buffer.from(`,"model":${JSON.stringify(model)},"scoredAt":${JSON.stringify(scoredAt)}}`)
  const heads = new SourceHeads()
  let head = heads.of(scored[0]!.record)
  const fixed = SCORE_PREFIX.length + VERDICTS[0]![0]!.length + tail.length + OFFSET_MAX + SCORE_MAX
  let out = Buffer.allocUnsafe(n * (head.length + fixed))
  let at = 0
  for (let i = 0; i < n; i++) {
    const { record, label } = scored[i]!
    head = heads.of(record)
    // A head longer than the first record's (another topic) may not fit what is left: start a new buffer.
    if (out.length - at < head.length + fixed) {
      out = Buffer.allocUnsafe((n - i) * (head.length + fixed))
      at = 0
    }
    const start = at
    at = put(out, at, head)
    at = writeInteger(out, at, Number(record.offset))
    at = put(out, at, SCORE_PREFIX)
    const score = scores[i]!
    at = writeAscii(out, at, Number.isFinite(score) ? String(score) : 'null')
    const verdict = VERDICTS[score >= DECISION_THRESHOLD ? 1 : 0]![label === null ? 0 : label + 1]
    if (verdict === undefined) throw new RangeError(`predictionMessages: label ${label} of offset ${record.offset} is not a binary label (0, 1 or null)`)
    at = put(out, at, verdict)
    at = put(out, at, tail)
    messages[i] = { topic, key: record.key ?? undefined, value: out.subarray(start, at), headers }
  }
  return messages
}

/** `{"source":{"topic":T,"partition":P,"offset":` per topic and partition, built once each. */
class SourceHeads {
  readonly #byTopic = new Map<string, Buffer[]>()
  #last: { topic: string, partition: number, bytes: Buffer } | undefined

  of (record: ConsumedRecord): Buffer {
    const last = this.#last
    if (last !== undefined && last.partition === record.partition && last.topic === record.topic) return last.bytes
    let partitions = this.#byTopic.get(record.topic)
    if (partitions === undefined) this.#byTopic.set(record.topic, partitions = [])
    const bytes = partitions[record.partition] ??=
      Buffer.from(`{"source":{"topic":${JSON.stringify(record.topic)},"partition":${record.partition},"offset":`)
    this.#last = { topic: record.topic, partition: record.partition, bytes }
    return bytes
  }
}

// A few dozen bytes at a time: TypedArray#set and a loop, where Buffer#copy and #write call into C++.
function put (out: Buffer, at: number, bytes: Buffer): number {
  out.set(bytes, at)
  return at + bytes.length
}

/** `text` is ASCII (a number's digits): one byte per character. */
function writeAscii (out: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i)
  return at + text.length
}

/** Writes a non-negative safe integer's decimal digits at `at`; returns the position after them. */
function writeInteger (out: Buffer, at: number, value: number): number {
  let digits = 1
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++
  const end = at + digits
  for (let v = value, i = end - 1; i >= at; i--, v = Math.floor(v / 10)) out[i] = 48 + (v % 10)
  return end
}
