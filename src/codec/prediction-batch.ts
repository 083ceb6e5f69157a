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
  label: 0 | 1 | null
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
  let head = sourceHead(scored[0]!.record)
  const fixed = SCORE_PREFIX.length + VERDICTS[0]![0]!.length + tail.length + OFFSET_MAX + SCORE_MAX
  let out = Buffer.allocUnsafe(n * (head.bytes.length + fixed))
  let at = 0
  for (let i = 0; i < n; i++) {
    const { record, label } = scored[i]!
    if (record.partition !== head.partition || record.topic !== head.topic) head = sourceHead(record)
    // A head longer than the first record's (another topic) may not fit what is left: start a new buffer.
    if (out.length - at < head.bytes.length + fixed) {
      out = Buffer.allocUnsafe((n - i) * (head.bytes.length + fixed))
      at = 0
    }
    const start = at
    at += head.bytes.copy(out, at)
    at = writeInteger(out, at, Number(record.offset))
    at += SCORE_PREFIX.copy(out, at)
    const score = scores[i]!
    at += out.write(Number.isFinite(score) ? String(score) : 'null', at, 'latin1')
    at += VERDICTS[score >= DECISION_THRESHOLD ? 1 : 0]![label === null ? 0 : label + 1]!.copy(out, at)
    at += tail.copy(out, at)
    messages[i] = { topic, key: record.key ?? undefined, value: out.subarray(start, at), headers }
  }
  return messages
}

interface SourceHead { topic: string, partition: number, bytes: Buffer }

/** `{"source":{"topic":T,"partition":P,"offset":` for the record's topic and partition. */
function sourceHead (record: ConsumedRecord): SourceHead {
  const bytes = Buffer.from(`{"source":{"topic":${JSON.stringify(record.topic)},"partition":${record.partition},"offset":`)
  return { topic: record.topic, partition: record.partition, bytes }
}

/** Writes a non-negative safe integer's decimal digits at `at`; returns the position after them. */
function writeInteger (out: Buffer, at: number, value: number): number {
  let digits = 1
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++
  const end = at + digits
  for (let v = value, i = end - 1; i >= at; i--, v = Math.floor(v / 10)) out[i] = 48 + (v % 10)
  return end
}
