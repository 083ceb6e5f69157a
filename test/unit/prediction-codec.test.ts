// The prediction record's JSON is a contract with downstream readers: the scorer's hand-built
// string must be exactly what JSON.stringify writes, whatever the values.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parsePrediction, predictionJson, toPrediction, toPredictionMessage, type Prediction } from '../../src/codec/prediction.js'
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
  toPrediction(record('t', 0, 4n), 0.9999999999999999, 1, 'm', 't')
]

test('predictionJson is JSON.stringify, byte for byte', () => {
  for (const p of cases) assert.is(predictionJson(p), JSON.stringify(p))
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
