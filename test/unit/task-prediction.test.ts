// Prediction records per task: binary without ids keeps today's bytes (the fast path's, checked
// on random inputs), every other shape round-trips through JSON.parse and parsePrediction with
// its fields in the documented order.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parsePrediction, predictionTask } from '../../src/codec/prediction.js'
import { predictionMessages } from '../../src/codec/prediction-batch.js'
import { taskPredictionMessages, type TaskScored } from '../../src/codec/task-prediction.js'
import { seededRandom } from '../../src/random.js'
import type { ConsumedRecord } from '../../src/record.js'

const record = (topic: string, partition: number, offset: bigint, key: string | null = 'k'): ConsumedRecord =>
  ({ topic, partition, offset, key: key === null ? null : Buffer.from(key), value: Buffer.from('x'), timestamp: 0n, headers: new Map() })
const binary = { type: 'binary' as const, classes: ['0', '1'] as [string, string] }
const at = '2026-11-29T07:00:00.000Z'
const headersOf = (m: { headers?: unknown }): string[][] => [...(m.headers as Map<Buffer, Buffer>)].map(([k, v]) => [k.toString(), v.toString()])

test('binary without ids: exactly predictionMessages\' bytes, keys and headers, on random inputs', () => {
  const random = seededRandom(17)
  const topics = ['susy-test', 't\u00e9st.v2']
  const scored = Array.from({ length: 2000 }, (_, i) => ({
    record: record(topics[i % 2]!, Math.floor(random() * 12), BigInt(Math.floor(random() * 2 ** 53)), i % 5 === 0 ? null : String(i)),
    label: ([null, 0, 1] as const)[Math.floor(random() * 3)]!
  }))
  const scores = new Float32Array(scored.length).map(() => random())
  scores[7] = NaN
  scores[8] = 0.5
  const ours = taskPredictionMessages('out', binary, scored, scores, 'susy@4', at)
  const today = predictionMessages('out', scored, scores, 'susy@4', at)
  assert.is(ours.length, today.length)
  ours.forEach((m, i) => {
    assert.ok((m.value as Buffer).equals(today[i]!.value as Buffer), `record ${i}`)
    assert.is(m.key, today[i]!.key)
    assert.is(m.headers, today[i]!.headers)
  })
})

test('binary with ids: today\'s fields with "id" after "label"', () => {
  const examples: TaskScored[] = [
    { record: record('payments', 2, 41n), label: 1, id: 'tx-\u00e9"1' },
    { record: record('payments', 0, 7n), label: null, id: null },
    { record: record('payments', 0, 8n), label: 0 } // no id on this one: no "id" field
  ]
  const messages = taskPredictionMessages('preds', binary, examples, Float32Array.from([0.75, 0.25, 0.5]), 'pay@2', at)
  const texts = messages.map(m => (m.value as Buffer).toString())
  assert.is(texts[0], `{"source":{"topic":"payments","partition":2,"offset":41},"score":0.75,"predicted":1,"label":1,"id":"tx-\u00e9\\"1","model":"pay@2","scoredAt":"${at}"}`)
  assert.equal(Object.keys(JSON.parse(texts[1]!)), ['source', 'score', 'predicted', 'label', 'id', 'model', 'scoredAt'])
  assert.is(JSON.parse(texts[1]!).id, null)
  assert.equal(Object.keys(JSON.parse(texts[2]!)), ['source', 'score', 'predicted', 'label', 'model', 'scoredAt'])
  const p = parsePrediction(messages[0]!.value as Buffer)
  assert.is(p.id, 'tx-\u00e9"1')
  assert.is(p.predicted, 1)
  assert.is(messages[0]!.key?.toString(), 'k')
  assert.equal(headersOf(messages[0]!), [['model', 'pay@2']])
  assert.throws(() => taskPredictionMessages('preds', binary, [{ record: record('p', 0, 1n), label: 2, id: 'x' }], [0.5], 'm', at), /not 0 or 1/)
})

test('multiclass: the class, each probability in class order, the label\'s class name, the id', () => {
  // Class names that an object would reorder ("10" before "2" sorts numerically first) and one needing escapes.
  const task = { type: 'multiclass' as const, classes: ['sun', '10', '2', 'dr"izzle'] }
  const outputs = Float32Array.from([
    0.1, 0.2, 0.6, 0.1, // class "2"
    0.4, 0.4, 0.1, 0.1, // tie: the first, "sun"
    NaN, 0.3, 0.3, 0.4 // NaN never wins; written as null
  ])
  const examples: TaskScored[] = [
    { record: record('weather', 1, 5n), label: 3, id: 'station-9' },
    { record: record('weather', 1, 6n), label: null, id: null },
    { record: record('weather', 0, 0n, null), label: 0 }
  ]
  const messages = taskPredictionMessages('weather-preds', task, examples, outputs, 'weather@1', at)
  const texts = messages.map(m => (m.value as Buffer).toString())
  const f = (x: number): number => Math.fround(x)
  assert.is(texts[0], `{"source":{"topic":"weather","partition":1,"offset":5},"class":"2","probabilities":{"sun":${f(0.1)},"10":${f(0.2)},"2":${f(0.6)},"dr\\"izzle":${f(0.1)}},"label":"dr\\"izzle","id":"station-9","model":"weather@1","scoredAt":"${at}"}`)
  const parsed = texts.map(t => JSON.parse(t) as Record<string, unknown>)
  assert.equal(Object.keys(parsed[0]!), ['source', 'class', 'probabilities', 'label', 'id', 'model', 'scoredAt'])
  assert.equal(Object.keys(parsed[2]!), ['source', 'class', 'probabilities', 'label', 'model', 'scoredAt'])
  assert.equal(parsed.map(p => p.class), ['2', 'sun', 'dr"izzle'])
  assert.equal(parsed[2]!.probabilities, { sun: null, 10: f(0.3), 2: f(0.3), 'dr"izzle': f(0.4) })
  assert.equal(parsed.map(p => p.label), ['dr"izzle', null, 'sun'])
  assert.is(messages[2]!.key, undefined)
  assert.equal(headersOf(messages[1]!), [['model', 'weather@1']])
  const p = parsePrediction(messages[0]!.value as Buffer, 'multiclass')
  assert.equal(p, parsed[0])
  assert.is(predictionTask(parsePrediction(messages[0]!.value as Buffer, 'any')), 'multiclass')
  assert.throws(() => parsePrediction(messages[0]!.value as Buffer), /a multiclass prediction where a binary one was expected/)
  assert.throws(() => taskPredictionMessages('o', task, [{ record: record('w', 0, 1n), label: 4 }], outputs, 'm', at), /not a class index below 4/)
  assert.throws(() => taskPredictionMessages('o', task, examples, outputs.subarray(0, 8), 'm', at), /need 12 outputs/)
})

test('regression: the value and the label as numbers, the id', () => {
  const outputs = Float32Array.from([31.2, -0.001, Infinity])
  const examples: TaskScored[] = [
    { record: record('prices', 0, 10n), label: 28, id: 'flat-1' },
    { record: record('prices', 0, 11n), label: null, id: 'flat-2' },
    { record: record('prices', 3, 12n), label: 1.5 }
  ]
  const messages = taskPredictionMessages('price-preds', { type: 'regression' }, examples, outputs, 'prices@7', at)
  const texts = messages.map(m => (m.value as Buffer).toString())
  assert.is(texts[0], `{"source":{"topic":"prices","partition":0,"offset":10},"value":${Math.fround(31.2)},"label":28,"id":"flat-1","model":"prices@7","scoredAt":"${at}"}`)
  assert.equal(Object.keys(JSON.parse(texts[2]!)), ['source', 'value', 'label', 'model', 'scoredAt'])
  const parsed = messages.map(m => parsePrediction(m.value as Buffer, 'regression'))
  assert.equal(parsed.map(p => p.value), [Math.fround(31.2), Math.fround(-0.001), null])
  assert.equal(parsed.map(p => p.label), [28, null, 1.5])
  assert.equal(parsed.map(p => predictionTask(p)), ['regression', 'regression', 'regression'])
})

test('all messages of a batch are views of one buffer, whatever the characters', () => {
  const examples: TaskScored[] = Array.from({ length: 50 }, (_, i) => ({ record: record(i % 2 === 0 ? 'a' : '\u6f22\u5b57', i, BigInt(i)), label: i, id: `\u{1F600}${i}` }))
  const messages = taskPredictionMessages('o', { type: 'regression' }, examples, new Float32Array(50).map((_, i) => i / 3), 'm', at)
  const buffer = (messages[0]!.value as Buffer).buffer
  messages.forEach((m, i) => {
    assert.is((m.value as Buffer).buffer, buffer)
    const p = parsePrediction(m.value as Buffer, 'regression')
    assert.equal([p.source.topic, p.source.offset, p.value, p.id], [i % 2 === 0 ? 'a' : '\u6f22\u5b57', i, Math.fround(i / 3), `\u{1F600}${i}`])
  })
})

test('parsePrediction refuses what is no prediction of the task asked', () => {
  const bytes = (o: unknown): Buffer => Buffer.from(JSON.stringify(o))
  const source = { topic: 't', partition: 0, offset: 1 }
  assert.throws(() => parsePrediction(bytes({ source, class: 'a', probabilities: [0.5], label: null, model: 'm', scoredAt: at }), 'any'), /not a prediction record/)
  assert.throws(() => parsePrediction(bytes({ source, class: 'a', probabilities: { a: '0.5' }, label: null, model: 'm', scoredAt: at }), 'any'), /not a prediction record/)
  assert.throws(() => parsePrediction(bytes({ source, value: '3', label: null, model: 'm', scoredAt: at }), 'regression'), /not a prediction record/)
  assert.throws(() => parsePrediction(bytes({ source, value: 3, label: 'x', model: 'm', scoredAt: at }), 'regression'), /not a prediction record/)
  assert.throws(() => parsePrediction(bytes({ source, value: 3, label: 1, id: 5, model: 'm', scoredAt: at }), 'any'), /not a prediction record/)
  assert.throws(() => parsePrediction(bytes({ source, label: 1, model: 'm', scoredAt: at }), 'any'), /not a prediction record/)
  assert.throws(() => parsePrediction(bytes({ source, value: 3, label: 1, model: 'm', scoredAt: at }), 'multiclass'), /a regression prediction where a multiclass one was expected/)
  assert.throws(() => parsePrediction(bytes(null), 'any'), /not a prediction record/)
  const binaryP = { source, score: 0.25, predicted: 0, label: 0, model: 'm', scoredAt: at }
  assert.equal(parsePrediction(bytes(binaryP), 'any'), binaryP)
  assert.is(predictionTask(parsePrediction(bytes(binaryP), 'any')), 'binary')
})

test.run()
