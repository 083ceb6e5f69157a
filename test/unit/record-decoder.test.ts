// The spec-driven decoder (compileDecoder): CSV with quotes, delimiters and columns by name or
// index, JSON with nested paths, every dead-letter reason, imputes, one-hot and "other",
// booleans, labels per task and ids; the SUSY spec agrees with decodeCsv's byte parser on random
// valid and invalid rows; the JSON byte scan agrees with JSON.parse.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { compileDecoder, isFailure, isResolved, parseFeatures, parseLabel, susySpec, SUSY_COLUMNS, validateSpec, type DatasetSpec, type DecodeFailure, type Decoded, type RecordDecoder, type ResolvedSpec } from '../../src/index.js'
import { FlatJsonScanner } from '../../src/codec/json-scan.js'
import { record } from '../support/consumed-record.js'
import { susyLines } from '../support/paths.js'

const TOPICS = { train: { name: 'a' }, test: { name: 'b' }, predictions: { name: 'c' }, deadLetters: { name: 'd' } }

function spec (parts: Partial<Record<keyof DatasetSpec, unknown>>): ResolvedSpec {
  const s = validateSpec({ name: 't', topics: TOPICS, task: { type: 'binary' }, ...parts })
  if (!isResolved(s)) throw new Error('test spec is not resolved')
  return s
}

/** The decode result with the features copied out, or the failure. */
function run (decoder: RecordDecoder, key: string | null, value: string | null): { features: number[], label: number | null, id: string | null } | DecodeFailure {
  const out = new Float32Array(decoder.width + 2).fill(-99) // a guard column either side
  const r = decoder.decode(record(key, value), out, 1)
  if (isFailure(r)) return { ...r }
  assert.is(out[0], -99, 'wrote before its row')
  assert.is(out[decoder.width + 1], -99, 'wrote past its row')
  return { features: [...out.subarray(1, 1 + decoder.width)], label: r.label, id: r.id }
}

function reason (decoder: RecordDecoder, key: string | null, value: string | null): string {
  const r = run(decoder, key, value)
  return 'reason' in r ? `${r.reason}: ${r.detail}` : 'decoded'
}

const people = spec({
  format: { type: 'csv', delimiter: ';', quote: "'", columns: ['id', 'name', 'age', 'country', 'member', 'label'] },
  label: { column: 'label' },
  id: { column: 0 },
  features: [
    { type: 'numeric', from: { column: 'age' } },
    { type: 'categorical', from: { column: 3 }, vocabulary: ['FR', 'US', 'a;b'], onUnknown: 'other' },
    { type: 'boolean', from: { column: 'member' } },
    { type: 'categorical', name: 'who', from: { column: 'name' }, vocabulary: ["O'Hara", 'Ann'] }
  ],
  task: { type: 'binary', classes: ['no', 'yes'] }
})

test('CSV: delimiter, quote with doubled quotes, columns by name and index, one-hot, boolean, label and id', () => {
  const d = compileDecoder(people)
  assert.is(d.width, 1 + 3 + 1 + 2)
  assert.equal(d.columns, ['age', 'country=FR', 'country=US', 'country=a;b', 'member', 'who=O\'Hara', 'who=Ann'])
  assert.equal(run(d, null, "7;'O''Hara';41.5;US;Yes;yes"), { features: [41.5, 0, 1, 0, 1, 1, 0], label: 1, id: '7' })
  assert.equal(run(d, null, "'x;1'; Ann ;'42';'a;b';f;no\r\n"), { features: [42, 0, 0, 1, 0, 0, 1], label: 0, id: 'x;1' })
  // "other": a country outside the vocabulary is all zeros.
  assert.equal(run(d, null, '8;Ann;1e2;DE;0;yes'), { features: [100, 0, 0, 0, 0, 0, 1], label: 1, id: '8' })
  assert.match(reason(d, null, "8;Ann;1;US;0;'yes"), /^bad-csv: .*field 6.*not closed/)
  assert.match(reason(d, null, "8;'Ann'x;1;US;0;yes"), /^bad-csv: .*field 2.*after its closing quote/)
  assert.match(reason(d, null, '8;Ann;1;US;0'), /^arity: expected 6 fields, got 5/)
  assert.match(reason(d, null, '8;Bob;1;US;0;yes'), /^unknown-category: feature "who" \(column "name"\) "Bob"/)
  assert.match(reason(d, null, '8;Ann;1;US;maybe;yes'), /^wrong-type: feature "member" .*"maybe" is not a boolean/)
  assert.match(reason(d, null, '8;Ann;;US;1;yes'), /^missing-field: feature "age" \(column "age"\) is missing/)
  assert.match(reason(d, null, '8;Ann;12abc;US;1;yes'), /^not-a-number: feature "age" .*"12abc"/)
  assert.match(reason(d, null, '8;Ann;1e39;US;1;yes'), /^not-finite: feature "age" .*"1e39"/)
  assert.match(reason(d, null, '8;Ann;NaN;US;1;yes'), /^not-finite: /)
  assert.match(reason(d, null, '8;Ann;1,5;US;1;yes'), /^not-a-number: /) // a comma is not a decimal point
  assert.match(reason(d, null, '8;Ann;1;US;1;maybe'), /^bad-label: the label "maybe" \(column "label"\) is not one of the classes no, yes/)
  assert.match(reason(d, null, ''), /^empty-value/)
  assert.match(reason(d, null, null), /^null-value/)
  // No label: null (the operator decides); no id: null.
  assert.equal(run(d, null, ';Ann;1;US;1;'), { features: [1, 0, 1, 0, 1, 0, 1], label: null, id: null })
})

test('CSV without column names: indexes, a missing trailing column, a long value truncated in the detail', () => {
  const d = compileDecoder(spec({
    format: { type: 'csv' },
    label: { key: true },
    features: [{ type: 'numeric', from: { column: 0 } }, { type: 'numeric', from: { column: 2 }, onMissing: 'impute', impute: -1 }]
  }))
  assert.equal(run(d, '1', '"1",x,3,anything'), { features: [1, 3], label: 1, id: null })
  assert.equal(run(d, '0', '2'), { features: [2, -1], label: 0, id: null })
  const long = 'y'.repeat(100)
  const detail = reason(d, '0', long)
  assert.ok(detail.startsWith(`not-a-number: feature "column0" (column 0) "${'y'.repeat(40)}"…`), detail)
  assert.match(reason(d, '2', '1,2,3'), /^bad-label: the label "2" \(from the key\) is not one of the classes 0, 1/)
  assert.match(reason(d, '2', null), /^bad-label/) // the key first, as decodeCsv
})

const payments = spec({
  format: { type: 'json' },
  label: { field: 'outcome.fraud' },
  id: { field: 'tx' },
  features: [
    { type: 'numeric', from: { field: 'amount' } },
    { type: 'numeric', name: 'lat', from: { field: 'payer.geo.lat' }, onMissing: 'impute', impute: 'mean' },
    { type: 'categorical', name: 'country', from: { field: 'payer.country' }, vocabulary: ['FR', 'US', '1'], onUnknown: 'dead-letter' },
    { type: 'boolean', from: { field: 'card.present' }, onMissing: 'impute', impute: true },
    { type: 'categorical', name: 'channel', from: { field: 'channel' }, vocabulary: ['web', 'shop'], onUnknown: 'other', onMissing: 'impute' }
  ]
})

test('JSON: nested paths, numbers as strings, impute mean/true/zeros, labels as booleans and numbers, ids', () => {
  assert.throws(() => compileDecoder(payments), /imputes the train mean.*imputeMeans/)
  const d = compileDecoder(payments, { imputeMeans: { lat: 45.25 } })
  assert.is(d.width, 1 + 1 + 3 + 1 + 2)
  const full = { tx: 'a-1', amount: 12.5, payer: { country: 'US', geo: { lat: -3 } }, card: { present: false }, channel: 'shop', outcome: { fraud: true } }
  assert.equal(run(d, null, JSON.stringify(full)), { features: [12.5, -3, 0, 1, 0, 0, 0, 1], label: 1, id: 'a-1' })
  assert.equal(run(d, null, JSON.stringify({ tx: 12345678901234567890n.toString(), amount: '7.25', payer: { country: 1 }, outcome: { fraud: 0 } })),
    { features: [7.25, 45.25, 0, 0, 1, 1, 0, 0], label: 0, id: '12345678901234567890' })
  // A JSON number id keeps its digits, past 2^53 too; a key with dots is found as written.
  assert.equal(run(d, null, '{"tx":12345678901234567890,"amount":1,"payer.country":"FR","channel":"tv","outcome":{"fraud":"1.0"}}'),
    { features: [1, 45.25, 1, 0, 0, 1, 0, 0], label: 1, id: '12345678901234567890' })
  assert.equal(run(d, null, '{"tx":42,"amount":1,"payer":{"country":"FR"},"outcome":{"fraud":null}}'),
    { features: [1, 45.25, 1, 0, 0, 1, 0, 0], label: null, id: '42' })
  const ok = (extra: object): string => JSON.stringify({ ...full, ...extra })
  assert.match(reason(d, null, '{"amount":1'), /^bad-json: the value is not JSON/)
  assert.match(reason(d, null, '[1,2]'), /^bad-json: the value is JSON array, not an object/)
  assert.match(reason(d, null, '"x"'), /^bad-json: the value is JSON string/)
  assert.match(reason(d, null, ' \n'), /^empty-value/)
  assert.match(reason(d, null, ok({ amount: undefined })), /^missing-field: feature "amount" \(field "amount"\) is missing/)
  assert.match(reason(d, null, ok({ amount: null })), /^missing-field: feature "amount"/)
  assert.match(reason(d, null, ok({ amount: { v: 1 } })), /^wrong-type: feature "amount" .* is a object, not a number/)
  assert.match(reason(d, null, ok({ amount: true })), /^wrong-type: feature "amount"/)
  assert.match(reason(d, null, ok({ amount: 'ten' })), /^not-a-number: feature "amount" \(field "amount"\) "ten"/)
  assert.match(reason(d, null, ok({ amount: 1e39 })), /^not-finite: feature "amount"/)
  assert.match(reason(d, null, ok({ amount: '-Infinity' })), /^not-finite: feature "amount"/)
  assert.match(reason(d, null, ok({ payer: { country: 'DE' } })), /^unknown-category: feature "country" \(field "payer.country"\) "DE"/)
  assert.match(reason(d, null, ok({ payer: { country: ['US'] } })), /^wrong-type: feature "country"/)
  assert.match(reason(d, null, ok({ payer: {} })), /^missing-field: feature "country"/)
  assert.match(reason(d, null, ok({ card: { present: 'perhaps' } })), /^wrong-type: feature "card.present" .*"perhaps" is not a boolean/)
  assert.match(reason(d, null, ok({ outcome: { fraud: 2 } })), /^bad-label: the label "2" \(field "outcome.fraud"\)/)
  assert.match(reason(d, null, ok({ outcome: { fraud: 'maybe' } })), /^bad-label/)
  assert.is(d.missingLabel.reason, 'missing-field')
})

test('booleans: every spelling, any case, in CSV and JSON', () => {
  const csv = compileDecoder(spec({ format: { type: 'csv' }, label: { key: true }, features: [{ type: 'boolean', from: { column: 0 } }] }))
  const json = compileDecoder(spec({ format: { type: 'json' }, label: { key: true }, features: [{ type: 'boolean', from: { field: 'b' } }] }))
  for (const [text, want] of [['true', 1], ['TRUE', 1], ['t', 1], ['Yes', 1], ['1', 1], ['false', 0], ['F', 0], ['no', 0], ['NO', 0], ['0', 0]] as const) {
    assert.equal(run(csv, '1', text), { features: [want], label: 1, id: null }, text)
    assert.equal(run(json, '1', JSON.stringify({ b: text })), { features: [want], label: 1, id: null }, text)
  }
  assert.equal(run(json, '1', '{"b":true}'), { features: [1], label: 1, id: null })
  assert.equal(run(json, '1', '{"b":0}'), { features: [0], label: 1, id: null })
  for (const bad of ['2', 'y', 'truthy', '0.5']) assert.match(reason(csv, '1', bad), /^wrong-type/, bad)
  assert.match(reason(json, '1', '{"b":2}'), /^wrong-type/)
})

test('labels: binary spellings, multiclass by text or integer, regression numbers', () => {
  const binary = compileDecoder(spec({ format: { type: 'json' }, label: { field: 'y' }, features: [{ type: 'numeric', from: { field: 'x' } }] }))
  for (const [y, want] of [['"1"', 1], ['"1.0"', 1], ['1', 1], ['1.0', 1], ['true', 1], ['"0"', 0], ['0', 0], ['false', 0], ['"0e0"', 0]] as const) {
    const r = run(binary, null, `{"x":1,"y":${y}}`)
    assert.ok('label' in r && r.label === want, `${y}: ${JSON.stringify(r)}`)
  }
  assert.match(reason(binary, null, '{"x":1,"y":"true"}'), /^bad-label/) // the text "true" is not a class; the JSON boolean is
  assert.match(reason(binary, null, '{"x":1,"y":0.5}'), /^bad-label/)
  const multi = compileDecoder(spec({ format: { type: 'csv' }, label: { column: 1 }, features: [{ type: 'numeric', from: { column: 0 } }], task: { type: 'multiclass', classes: ['1', '3', '10', 'cat'] } }))
  const labelOf = (value: string): unknown => { const r = run(multi, null, value); return 'label' in r ? r.label : r.reason }
  assert.equal(['0,1', '0,3', '0,3.0', '0,10', '0,1e1', '0,cat', '0,"cat"', '0,2', '0,dog', '0,'].map(labelOf), [0, 1, 1, 2, 2, 3, 3, 'bad-label', 'bad-label', null])
  const multiJson = compileDecoder(spec({ format: { type: 'json' }, label: { field: 'y' }, features: [{ type: 'numeric', from: { field: 'x' } }], task: { type: 'multiclass', classes: ['a', '3'] } }))
  const jsonLabel = (y: string): unknown => { const r = run(multiJson, null, `{"x":0,"y":${y}}`); return 'label' in r ? r.label : r.reason }
  assert.equal(['"a"', '3', '"3"', '3.0', '"b"', 'true', '{}'].map(jsonLabel), [0, 1, 1, 1, 'bad-label', 'bad-label', 'bad-label'])
  const regression = compileDecoder(spec({ format: { type: 'csv' }, label: { key: true }, features: [{ type: 'numeric', from: { column: 0 } }], task: { type: 'regression' } }))
  const target = (key: string): unknown => { const r = run(regression, key, '1'); return 'label' in r ? r.label : r.reason }
  assert.equal(['2.5', '-1e3', ' 7 ', '0.1', 'x', '1e39'].map(target), [2.5, -1000, 7, 0.1, 'bad-label', 'bad-label'])
})

test('ids: from the key, a column, a JSON number or string; absent is null', () => {
  const keyed = compileDecoder(spec({ format: { type: 'json' }, label: { field: 'y' }, id: { key: true }, features: [{ type: 'numeric', from: { field: 'x' } }] }))
  assert.equal(run(keyed, 'order-9', '{"x":1,"y":1}'), { features: [1], label: 1, id: 'order-9' })
  assert.equal(run(keyed, null, '{"x":1,"y":1}'), { features: [1], label: 1, id: null })
  const field = compileDecoder(spec({ format: { type: 'json' }, label: { field: 'y' }, id: { field: 'meta.id' }, features: [{ type: 'numeric', from: { field: 'x' } }] }))
  const idOf = (meta: string): unknown => { const r = run(field, null, `{"x":1,"y":0,"meta":${meta}}`); return 'id' in r ? r.id : r.reason }
  assert.equal(['{"id":17}', '{"id":-17}', '{"id":"17"}', '{"id":1.5}', '{"id":""}', '{}', '{"id":null}'].map(idOf), ['17', '-17', '17', '1.5', null, null, null])
})

test('SUSY spec: the same float32 features, labels and reasons as decodeCsv on random valid and invalid rows', () => {
  const d = compileDecoder(susySpec({ topics: { train: 'a', test: 'b', predictions: 'c', dlq: 'd' } }))
  let state = 99
  const rnd = (n: number): number => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return Math.floor(state / 2 ** 32 * n) }
  const lines = susyLines()
  const mutations: Array<(fields: string[]) => string[]> = [
    f => f,
    f => { f[rnd(18)] = ['abc', '1.2.3', '0x10', 'NaN', '-Infinity', '1e39', '-', '.', '1e', '1e+'][rnd(10)]!; return f },
    f => { f[rnd(18)] = ['', ' ', '  \t'][rnd(3)]!; return f },
    f => rnd(2) === 0 ? f.slice(1) : [...f, '1'],
    f => { const i = rnd(18); f[i] = [` ${f[i]} `, `+${f[i]}`, `${f[i]}e0`, `${f[i]}00000`, `0${f[i]}`][rnd(5)]!; return f },
    f => { const x = (rnd(2000000) - 1000000) / 10 ** rnd(30); f[rnd(18)] = [String(x), x.toExponential(), x.toPrecision(21)][rnd(3)]!; return f }
  ]
  const keys = ['0', '1', '1.0', '0.000', '2', 'x', '', null, ' 1 ']
  const susyOut = new Float32Array(18)
  const specOut = new Float32Array(18)
  const seen = new Map<string, number>()
  for (let n = 0; n < 30000; n++) {
    const fields = mutations[rnd(mutations.length)]!(lines[rnd(lines.length)]!.split(',').slice(1))
    const value = rnd(200) === 0 ? (rnd(2) === 0 ? '' : null) : fields.join(',')
    const key = keys[rnd(keys.length)]!
    const rec = record(key, value)
    // decodeCsv's order: the key (bad, then missing), then the value.
    const label = parseLabel(rec.key)
    const susy: string = label === -1 ? 'bad-label' : label === null ? 'missing-key' : parseFeatures(rec.value, susyOut, 0, 18)?.reason ?? 'ok'
    const r = d.decode(rec, specOut, 0)
    let mine: string = isFailure(r) ? r.reason : (r as Decoded).label === null ? 'missing-key' : 'ok'
    if (mine === 'missing-field' && susy === 'empty-field') mine = 'empty-field' // the spec decoder's name for an empty field
    // Without a key, decodeCsv names the key; the decoder names the value (decodeRecords checks the key first).
    if ((key === null || key === '') && mine !== 'missing-key') continue
    seen.set(susy, (seen.get(susy) ?? 0) + 1)
    if (mine !== susy) assert.unreachable(`${JSON.stringify(key)} ${JSON.stringify(value)}: decodeCsv ${susy}, spec decoder ${mine}`)
    if (susy !== 'ok') continue
    if ((r as Decoded).label !== label) assert.unreachable(`label ${key}: ${(r as Decoded).label} vs ${label}`)
    for (let j = 0; j < 18; j++) if (!Object.is(susyOut[j], specOut[j])) assert.unreachable(`${value} field ${j}: ${specOut[j]} vs ${susyOut[j]}`)
  }
  for (const r of ['ok', 'bad-label', 'arity', 'empty-field', 'not-a-number', 'not-finite', 'empty-value', 'null-value']) assert.ok((seen.get(r) ?? 0) > 0, `no ${r} case generated`)
})

test('JSON: the byte scan and JSON.parse give the same result on random flat objects', () => {
  const features = SUSY_COLUMNS.slice(0, 6).map((name, i) => i === 5
    ? { type: 'categorical', name, from: { field: name }, vocabulary: ['a', 'b', '1.5', 'true'], onUnknown: 'other' }
    : { type: i === 4 ? 'boolean' : 'numeric', name, from: { field: name }, onMissing: i === 3 ? 'impute' : 'dead-letter', ...(i === 3 ? { impute: 9 } : {}) })
  const d = compileDecoder(spec({ format: { type: 'json' }, label: { field: 'y' }, id: { field: 'id' }, features, task: { type: 'multiclass', classes: ['0', '1', '2'] } }))
  let state = 7
  const rnd = (n: number): number => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return Math.floor(state / 2 ** 32 * n) }
  const values = ['0', '-0', '1.5', '-2.25e-3', '1E5', '1e39', '123456789012345678901234', '01', '1.', '-', '.5', '+1', '"3.5"', '"x"', '""', 'true', 'false', 'null', '"b"', '"1.5"', '1.50', '" 7 "', '"a\\"b"', 'tru', '1e400', '-0.0e-0', '"é"', '12345678901234567890']
  const a = new Float32Array(d.width)
  const b = new Float32Array(d.width)
  const scanner = new FlatJsonScanner([...SUSY_COLUMNS.slice(0, 6), 'y', 'id'])
  let scanned = 0
  for (let n = 0; n < 20000; n++) {
    const members = [...SUSY_COLUMNS.slice(0, 6), 'y', 'id', 'other'].filter(() => rnd(10) > 0).map(k => `"${k}"${' '.repeat(rnd(2))}:${rnd(3) === 0 ? ' ' : ''}${k === 'y' ? ['0', '1', '"2"', '2.0', '3'][rnd(5)] : values[rnd(values.length)]}`)
    if (rnd(3) === 0) members.reverse()
    const flat = `{${members.join(',')}}`
    const nested = `{${[...members, '"zz":[{}]'].join(',')}}` // not flat: JSON.parse's path
    const r1 = d.decode(record(null, flat), a, 0)
    const s1 = isFailure(r1) ? `${r1.reason}: ${r1.detail}` : JSON.stringify(r1)
    const r2 = d.decode(record(null, nested), b, 0)
    const s2 = isFailure(r2) ? `${r2.reason}: ${r2.detail}` : JSON.stringify(r2)
    const bad = (() => { try { JSON.parse(flat); return false } catch { return true } })()
    if (scanner.scan(Buffer.from(flat))) {
      scanned++
      if (bad) assert.unreachable(`the scan accepted ${flat}, which is not JSON`)
    }
    if (bad) {
      if (!s1.startsWith('bad-json')) assert.unreachable(`${flat} is not JSON, but decoded: ${s1}`)
      continue
    }
    if (s1 !== s2) assert.unreachable(`${flat}: scan ${s1}, parse ${s2}`)
    if (!isFailure(r1) && !a.every((x, i) => Object.is(x, b[i]))) assert.unreachable(`${flat}: ${a} vs ${b}`)
  }
  assert.ok(scanned > 2000, `only ${scanned} objects took the scan`)
})

test.run()
