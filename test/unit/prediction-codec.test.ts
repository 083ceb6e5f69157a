// The prediction record's JSON is a contract with downstream readers: the scorer's hand-written
// bytes must be exactly what JSON.stringify writes, whatever the values.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parsePrediction, toPrediction, toPredictionMessage, type Prediction } from '../../src/codec/prediction.js'
import { predictionMessages } from '../../src/codec/prediction-batch.js'
import { seededRandom } from '../../src/random.js'
import type { ConsumedRecord } from '../../src/record.js'

const record = (topic: string, partition: number, offset: bigint): ConsumedRecord =>
  ({ topic, partition, offset, key: Buffer.from('1'), value: Buffer.from('0.5'), timestamp: 0n, headers: new Map() })

const cases: Prediction[] = [
  toPrediction(record('susy-test', 0, 0n), 0.123456789, 1, 'susy@1', '2026-11-29T05:00:00.000Z'),
  toPrediction(record('susy-test', 1, 9_007_199_254_740_991n), 0.5, 0, 'susy@12', '2026-11-29T05:00:00.001Z'),
  toPrediction(record('a.b_c-d', 7, 42n), 1e-7, null, 'model "quoted" \\ back\u00e9\u2028', 'now'),
  toPrediction(record('t', 0, 1n), -0, 0, 'm', 't'),
  toPrediction(record('t', 0, 2n), Number.NaN, 1, 'm', 't'),
  toPrediction(record('t', 0, 3n), Number.POSITIVE_INFINITY, 1, 'm', 't'),
  toPrediction(record('t', 0, 4n), 0.9999999999999999, 1, 'm', 't'),
  // The longest offset and the longest number a double prints: the encoder's size bounds.
  toPrediction(record('t', 0, 9_007_199_254_740_991n), -1.2345678901234567e-308, null, 'm', 't')
]

test('a batch\'s values are JSON.stringify of each prediction, byte for byte', () => {
  // One call per case (each has its own model and time), then all records of one model in one call.
  for (const p of cases) {
    const input = record(p.source.topic, p.source.partition, BigInt(p.source.offset))
    const [m] = predictionMessages('out', [{ record: input, label: p.label }], [p.score], p.model, p.scoredAt)
    assert.is(m!.value!.toString(), JSON.stringify(p))
  }
})

test('records from several topics and partitions, random scores and labels, share one batch', () => {
  const random = seededRandom(7)
  const topics = ['susy-test', 'a-much-longer-topic-name-than-the-first-one.v2', 't\u00e9st']
  const scored = Array.from({ length: 3000 }, (_, i) => ({
    record: record(topics[Math.floor(random() * 3)]!, Math.floor(random() * 40), BigInt(Math.floor(random() * 2 ** 53))),
    label: ([null, 0, 1] as const)[i % 3]!
  }))
  const scores = new Float32Array(scored.length).map(() => random())
  const messages = predictionMessages('out', scored, scores, 'susy@9', '2026-11-29T07:00:00.000Z')
  assert.is(messages.length, scored.length)
  messages.forEach((m, i) => {
    const expected = toPredictionMessage('out', scored[i]!.record, toPrediction(scored[i]!.record, scores[i]!, scored[i]!.label, 'susy@9', '2026-11-29T07:00:00.000Z'))
    assert.ok(m.value!.equals(expected.value as Buffer), `record ${i}: ${m.value!.toString()}`)
    assert.is(m.key, expected.key)
    assert.is(m.headers, expected.headers)
  })
})

test('the message carries that JSON, the input key and the model header', () => {
  const input = record('susy-test', 1, 5n)
  const p = toPrediction(input, 0.75, 1, 'susy@3', '2026-11-29T05:00:00.000Z')
  const m = toPredictionMessage('susy-predictions', input, p)
  assert.is(m.value?.toString(), JSON.stringify(p))
  assert.is(m.key?.toString(), '1')
  assert.equal([...(m.headers as Map<Buffer, Buffer>)].map(([k, v]) => [k.toString(), v.toString()]), [['model', 'susy@3']])
  assert.equal(parsePrediction(m.value as Buffer), p)
})

test.run()
