// The decodeRecords operator over a compiled spec (dead letters by reason, requireLabel, writes
// awaited, slabs never overwritten) and SpecLearner (vocabularies, classes, means, the cap).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { from, lastValueFrom, Subject, toArray } from 'rxjs'
import { CollectingDeadLetterSink, compileDecoder, decodeRecords, DecodeError, isResolved, SpecLearner, validateSpec, type ConsumedRecord, type DatasetSpec, type Example, type ResolvedSpec } from '../../src/index.js'
import { record } from '../support/consumed-record.js'

const TOPICS = { train: { name: 'a' }, test: { name: 'b' }, predictions: { name: 'c' }, deadLetters: { name: 'd' } }

function spec (parts: Record<string, unknown>): DatasetSpec {
  return validateSpec({ name: 't', topics: TOPICS, task: { type: 'binary' }, ...parts })
}

function resolved (parts: Record<string, unknown>): ResolvedSpec {
  const s = spec(parts)
  if (!isResolved(s)) throw new Error('test spec is not resolved')
  return s
}

const events = resolved({
  format: { type: 'json' },
  label: { field: 'kind' },
  id: { field: 'id' },
  features: [
    { type: 'numeric', from: { field: 'v' } },
    { type: 'categorical', from: { field: 'c' }, vocabulary: ['x', 'y'] }
  ],
  task: { type: 'multiclass', classes: ['a', 'b', 'c'] }
})

const GOOD = (i: number): string => JSON.stringify({ id: `e${i}`, v: i, c: i % 2 === 0 ? 'x' : 'y', kind: 'abc'[i % 3] })
const BAD: Array<[string, string | null]> = [
  ['bad-json', '{"v":'],
  ['null-value', null],
  ['empty-value', ''],
  ['missing-field', '{"id":"m","c":"x","kind":"a"}'],
  ['wrong-type', '{"v":[1],"c":"x","kind":"a"}'],
  ['not-a-number', '{"v":"one","c":"x","kind":"a"}'],
  ['not-finite', '{"v":1e300,"c":"x","kind":"a"}'],
  ['unknown-category', '{"v":1,"c":"z","kind":"a"}'],
  ['bad-label', '{"v":1,"c":"x","kind":"d"}'],
  ['missing-field', '{"v":1,"c":"x"}'] // no label, and one is required
]

test('decodeRecords: examples with class labels and ids; each bad kind dead-lettered with its reason', async () => {
  const dlq = new CollectingDeadLetterSink({ topic: 'dlq-test' })
  const input: ConsumedRecord[] = []
  BAD.forEach(([, value], i) => { input.push(record(null, GOOD(i), 2 * i)); input.push(record(null, value, 2 * i + 1)) })
  const decode = decodeRecords(compileDecoder(events), { deadLetter: dlq })
  const examples = await lastValueFrom(from(input).pipe(decode, toArray()))
  assert.equal(examples.map(e => e.record.offset), BAD.map((_, i) => BigInt(2 * i)))
  assert.equal(examples.map(e => [e.label, e.id, [...e.features]]), BAD.map((_, i) => [i % 3, `e${i}`, [i, i % 2 === 0 ? 1 : 0, i % 2 === 0 ? 0 : 1]]))
  const messages = dlq.take()
  assert.equal(messages.map(m => {
    const h = new Map([...(m.headers as Map<Buffer, Buffer>)].map(([k, v]) => [k.toString(), v.toString()]))
    return [h.get('streamfit.dlq.reason'), h.get('streamfit.source.offset')]
  }), BAD.map(([reason], i) => [reason, String(2 * i + 1)]))
  assert.is(decode.stats.decoded, BAD.length)
  assert.is(decode.stats.deadLettered, BAD.length)
  assert.is(decode.stats.byReason['missing-field'], 2)
  assert.is(decode.stats.byReason['bad-json'], 1)
})

test('decodeRecords: requireLabel false keeps unlabelled records; a missing key is the reason before the value', async () => {
  const [ex] = await lastValueFrom(from([record(null, '{"v":1,"c":"y"}')]).pipe(decodeRecords(compileDecoder(events), { requireLabel: false }), toArray()))
  assert.is(ex.label, null)
  assert.equal([...ex.features], [1, 0, 1])
  const keyed = compileDecoder(resolved({ format: { type: 'csv' }, label: { key: true }, features: [{ type: 'numeric', from: { column: 0 } }] }))
  const dlq = new CollectingDeadLetterSink({ topic: 'dlq-test' })
  const decode = decodeRecords(keyed, { deadLetter: dlq })
  await lastValueFrom(from([record(null, 'not a number'), record('', '1'), record('1', '2')]).pipe(decode, toArray()))
  assert.equal(dlq.counts, { 'missing-key': 2 })
  assert.is(decode.stats.decoded, 1)
  try {
    await lastValueFrom(from([record(null, GOOD(0)), record(null, '{"v":"x","c":"x","kind":"a"}')]).pipe(decodeRecords(compileDecoder(events))))
    assert.unreachable('should fail')
  } catch (err) {
    assert.instance(err, DecodeError)
    assert.is((err as DecodeError).reason, 'not-a-number')
  }
})

test('decodeRecords: completes only after the dead-letter writes, and fails when one fails', async () => {
  let resolveWrite!: () => void
  const slow = { counts: {}, total: 0, write: () => new Promise<void>(resolve => { resolveWrite = resolve }) }
  let completed = false
  const done = lastValueFrom(from([record(null, '{')]).pipe(decodeRecords(compileDecoder(events), { deadLetter: slow }), toArray())).then(v => { completed = true; return v })
  await new Promise(resolve => setTimeout(resolve, 20))
  assert.is(completed, false)
  resolveWrite()
  assert.equal(await done, [])
  const failing = { counts: {}, total: 0, write: async () => { throw new Error('broker down') } }
  try {
    await lastValueFrom(from([record(null, '{'), record(null, GOOD(1))]).pipe(decodeRecords(compileDecoder(events), { deadLetter: failing }), toArray()))
    assert.unreachable('should fail')
  } catch (err) {
    assert.is((err as Error).message, 'broker down')
  }
})

test('decodeRecords: interleaved subscriptions of one operator never overwrite an example', () => {
  const decode = decodeRecords(compileDecoder(events), { deadLetter: new CollectingDeadLetterSink({ topic: 'dlq-test' }) })
  const a = new Subject<ConsumedRecord>()
  const b = new Subject<ConsumedRecord>()
  const fromA: Example[] = []
  const fromB: Example[] = []
  a.pipe(decode).subscribe(e => fromA.push(e))
  b.pipe(decode).subscribe(e => fromB.push(e))
  for (let i = 0; i < 3000; i++) {
    a.next(record(null, GOOD(i)))
    b.next(record(null, JSON.stringify({ v: -i, c: 'x', kind: 'b' })))
    if (i % 7 === 0) b.next(record(null, '{"v":12345,"c":"q","kind":"a"}')) // fails after writing v: the row is reused
  }
  a.complete(); b.complete()
  assert.is(fromA.length, 3000)
  assert.is(fromB.length, 3000)
  for (let i = 0; i < 3000; i++) {
    if (fromA[i].features[0] !== i || fromB[i].features[0] !== -i) assert.unreachable(`example ${i} overwritten: ${fromA[i].features[0]} ${fromB[i].features[0]}`)
  }
})

test('SpecLearner: vocabularies, integer classes sorted numerically, means; the decoder then reads the data', () => {
  const learnable = spec({
    format: { type: 'csv', columns: ['city', 'size', 'grade', 'price'] },
    label: { column: 'grade' },
    features: [
      { type: 'categorical', from: { column: 'city' } },
      { type: 'numeric', from: { column: 'size' }, onMissing: 'impute', impute: 'mean' },
      { type: 'numeric', from: { column: 'price' } }
    ],
    task: { type: 'multiclass' }
  })
  const rows = ['Paris,10,10,1', 'Lyon,20,2,2', 'Nice,,3.0,3', '"Aix, en",30,2,x', 'Lyon,x,10,5', 'broken', 'Paris,1,"unclosed,9']
  const learner = new SpecLearner(learnable)
  rows.forEach(r => learner.observe(record(null, r)))
  const s = learner.resolve()
  assert.equal(s.features[0].type === 'categorical' && s.features[0].vocabulary, ['Aix, en', 'Lyon', 'Nice', 'Paris'])
  assert.equal(s.task.type === 'multiclass' && s.task.classes, ['2', '3', '10'])
  assert.equal(learner.means(), { size: 20, price: 11 / 4 })
  assert.is(learner.unreadable, 2)
  const decoder = compileDecoder(s, { imputeMeans: learner.means() })
  const out = new Float32Array(decoder.width)
  const r = decoder.decode(record(null, 'Nice,,3.0,3'), out, 0)
  assert.equal(['label' in r && r.label, [...out]], [1, [0, 0, 1, 0, 20, 3]])
})

test('SpecLearner: JSON values, strings then numbers sorted by text; a vocabulary past the cap is a clear error', () => {
  const learnable = spec({
    format: { type: 'json' },
    label: { key: true },
    features: [{ type: 'categorical', from: { field: 'a.b' } }, { type: 'categorical', from: { field: 'n' }, vocabulary: ['kept'] }]
  })
  const learner = new SpecLearner(learnable, { maxValues: 3 })
  for (const v of ['{"a":{"b":"z"}}', '{"a":{"b":10}}', '{"a":{"b":true}}', '{"a":{"b":null}}', '{"a":{"b":"z"},"n":"q"}', '[1]']) learner.observe(record('1', v))
  const s = learner.resolve()
  assert.equal(s.features.map(f => f.type === 'categorical' && f.vocabulary), [['10', 'true', 'z'], ['kept']])
  assert.throws(() => learner.observe(record('1', '{"a":{"b":"w"}}')), /features\[0\] "a.b": more than 3 distinct values.*vocabulary/)
  const empty = new SpecLearner(learnable)
  empty.observe(record('1', '{"n":1}'))
  assert.throws(() => empty.resolve(), /features\[0\] "a.b": no values in the 1 train records read/)
  const oneClass = new SpecLearner(spec({ format: { type: 'json' }, label: { key: true }, features: [{ type: 'numeric', from: { field: 'x' } }], task: { type: 'multiclass' } }))
  oneClass.observe(record('7', '{"x":1}'))
  assert.throws(() => oneClass.resolve(), /task: 1 distinct label in the 1 train records read; a multiclass task needs at least 2/)
})

test.run()
