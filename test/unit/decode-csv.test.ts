// The CSV decoding operator and its parsers: decodeCsv on real SUSY rows and every malformed kind,
// parseFeatures, parseLabel.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { from, lastValueFrom, Subject, toArray } from 'rxjs'
import { CollectingDeadLetterSink, decodeCsv, DecodeError, parseFeatures, parseLabel, type ConsumedRecord, type Example } from '../../src/index.js'
import { record } from '../support/consumed-record.js'
import { susyLines } from '../support/paths.js'

function susyRows (): string[][] {
  return susyLines().map(line => line.split(','))
}

test('decodeCsv: every real SUSY row decodes to Math.fround(Number(text)), label from the key', async () => {
  const rows = susyRows()
  assert.ok(rows.length >= 8000, `expected the 8k file, got ${rows.length} rows`)
  const records = rows.map((fields, i) => record(fields[0], fields.slice(1).join(','), i))
  const decode = decodeCsv()
  const examples = await lastValueFrom(from(records).pipe(decode, toArray()))
  assert.is(examples.length, rows.length)
  assert.is(decode.stats.decoded, rows.length)
  assert.is(decode.stats.deadLettered, 0)
  for (let i = 0; i < rows.length; i++) {
    const ex = examples[i]
    assert.is(ex.record, records[i])
    assert.is(ex.label, Number(rows[i][0]))
    assert.is(ex.features.length, 18)
    for (let j = 0; j < 18; j++) {
      const want = Math.fround(Number(rows[i][j + 1]))
      if (!Object.is(ex.features[j], want)) assert.unreachable(`row ${i} field ${j}: ${rows[i][j + 1]} -> ${ex.features[j]}, want ${want}`)
    }
  }
  // Views stay valid after later rows were decoded (each example owns its slab slice).
  assert.is(examples[0].features[0], Math.fround(Number(rows[0][1])))
})

test('parseFeatures: matches Math.fround(Number()) for random numbers in many spellings', () => {
  const out = new Float32Array(1)
  let state = 12345
  const rnd = (): number => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return state / 2 ** 32 }
  const spellings = (x: number): string[] => [
    String(x), x.toPrecision(17), x.toPrecision(9), x.toExponential(), x.toExponential(20), x.toFixed(20),
    x.toPrecision(21) + '123456789', ` ${x} `, '+' + String(Math.abs(x))
  ]
  for (let n = 0; n < 20000; n++) {
    const mag = 10 ** Math.floor(rnd() * 40 - 20)
    const x = (rnd() - 0.5) * mag
    for (const text of spellings(x)) {
      const failure = parseFeatures(Buffer.from(text), out, 0, 1)
      if (failure !== null) assert.unreachable(`${text}: ${failure.detail}`)
      const want = Math.fround(Number(text))
      if (!Object.is(out[0], want)) assert.unreachable(`${text} -> ${out[0]}, want ${want}`)
    }
  }
  // Float32 rounding boundaries: halfway between two float32s, and a hair either side.
  for (const text of ['1.00000005960464477539062500', '1.0000000596046447753906250000001', '1.00000005960464477539062499999',
    '16777217', '3.4028234663852886e+38', '-3.40282356e38', '1.401298464324817e-45', '7e-46', '0.000000000000000000000000000001']) {
    assert.is(parseFeatures(Buffer.from(text), out, 0, 1), null, text)
    assert.ok(Object.is(out[0], Math.fround(Number(text))), `${text} -> ${out[0]}`)
  }
})

test('parseLabel: every spelling of 0 and 1, and nothing else', () => {
  for (const t of ['0', '0.0', '0.000', '-0', '0e0', '0.000000000000000000e+00', ' 0 ']) assert.is(parseLabel(Buffer.from(t)), 0, t)
  for (const t of ['1', '1.0', '1.000', '+1', '1e0', '1.000000000000000000e+00', '10e-1', '1\r\n']) assert.is(parseLabel(Buffer.from(t)), 1, t)
  for (const t of ['2', '0.5', 'x', '1,0', 'true', 'NaN', '1 1', '-1', '1.00000001', '0.0000000000000000000000000000000000000000000001']) assert.is(parseLabel(Buffer.from(t)), -1, t)
  assert.is(parseLabel(null), null)
  assert.is(parseLabel(Buffer.alloc(0)), null)
})

const GOOD = Array.from({ length: 18 }, (_, i) => (i / 7).toString()).join(',')
const BAD: Array<[string, string | null, string | null]> = [
  ['arity', '1', GOOD + ',1'],
  ['arity', '1', GOOD.split(',').slice(1).join(',')],
  ['not-finite', '0', GOOD.replace(/^[^,]*/, 'NaN')],
  ['not-finite', '0', GOOD.replace(/[^,]*$/, '-Infinity')],
  ['not-finite', '0', GOOD.replace(/^[^,]*/, '1e39')],
  ['not-a-number', '1', GOOD.replace(/^[^,]*/, 'abc')],
  ['not-a-number', '1', GOOD.replace(/^[^,]*/, '1.2.3')],
  ['not-a-number', '1', GOOD.replace(/^[^,]*/, '0x10')],
  ['empty-field', '1', GOOD.replace(/^[^,]*/, '')],
  ['empty-value', '1', ''],
  ['null-value', '1', null],
  ['bad-label', '2', GOOD],
  ['bad-label', 'yes', GOOD],
  ['missing-key', null, GOOD]
]

test('decodeCsv: each malformed kind goes to the dead-letter sink with its reason; good records flow on', async () => {
  const dlq = new CollectingDeadLetterSink({ topic: 'dlq-test' })
  const input: ConsumedRecord[] = []
  BAD.forEach(([, key, value], i) => { input.push(record('1.0', GOOD, 2 * i)); input.push(record(key, value, 2 * i + 1)) })
  const decode = decodeCsv({ deadLetter: dlq })
  const examples = await lastValueFrom(from(input).pipe(decode, toArray()))
  assert.equal(examples.map(e => e.record.offset), BAD.map((_, i) => BigInt(2 * i)))
  const messages = dlq.take()
  assert.is(messages.length, BAD.length)
  messages.forEach((m, i) => {
    const headers = m.headers as Map<Buffer, Buffer>
    const h = new Map([...headers].map(([k, v]) => [k.toString(), v.toString()]))
    assert.is(h.get('streamfit.dlq.reason'), BAD[i][0], `case ${i}: ${h.get('streamfit.dlq.detail')}`)
    assert.is(h.get('streamfit.source.offset'), String(2 * i + 1))
    assert.is(m.value?.toString() ?? null, BAD[i][2])
    assert.is(m.key?.toString() ?? null, BAD[i][1])
  })
  assert.is(decode.stats.decoded, BAD.length)
  assert.is(decode.stats.deadLettered, BAD.length)
  assert.is(decode.stats.byReason.arity, 2)
  assert.is(decode.stats.byReason['not-finite'], 3)
  assert.is(dlq.counts['not-a-number'], 3)
  assert.is(dlq.total, BAD.length)
})

test('decodeCsv: requireLabel false gives null labels; no sink means a DecodeError, not a silent drop', async () => {
  const [ex] = await lastValueFrom(from([record(null, GOOD)]).pipe(decodeCsv({ requireLabel: false }), toArray()))
  assert.is(ex.label, null)
  try {
    await lastValueFrom(from([record('1', GOOD), record('1', 'x')]).pipe(decodeCsv()))
    assert.unreachable('should fail')
  } catch (err) {
    assert.instance(err, DecodeError)
    assert.is((err as DecodeError).reason, 'arity')
  }
})

test('decodeCsv: completes only after the dead-letter writes, and fails when one fails', async () => {
  let resolveWrite!: () => void
  const slow = { counts: {}, total: 0, write: () => new Promise<void>(resolve => { resolveWrite = resolve }) }
  let completed = false
  const done = lastValueFrom(from([record('1', 'x')]).pipe(decodeCsv({ deadLetter: slow }), toArray())).then(v => { completed = true; return v })
  await new Promise(resolve => setTimeout(resolve, 20))
  assert.is(completed, false)
  resolveWrite()
  assert.equal(await done, [])
  const failing = { counts: {}, total: 0, write: async () => { throw new Error('broker down') } }
  try {
    await lastValueFrom(from([record('1', 'x'), record('1', GOOD)]).pipe(decodeCsv({ deadLetter: failing }), toArray()))
    assert.unreachable('should fail')
  } catch (err) {
    assert.is((err as Error).message, 'broker down')
  }
})

test('decodeCsv: one operator, interleaved subscriptions, examples never overwritten', () => {
  const dlq = new CollectingDeadLetterSink({ topic: 'dlq-test' })
  const decode = decodeCsv({ deadLetter: dlq })
  const a = new Subject<ConsumedRecord>()
  const b = new Subject<ConsumedRecord>()
  const fromA: Example[] = []
  const fromB: Example[] = []
  a.pipe(decode).subscribe(e => fromA.push(e))
  b.pipe(decode).subscribe(e => fromB.push(e))
  const row = (x: number): string => Array.from({ length: 18 }, (_, j) => x + j / 100).join(',')
  for (let i = 0; i < 3000; i++) {
    a.next(record('1', row(i)))
    b.next(record('0', row(-i)))
    if (i % 7 === 0) b.next(record('0', 'bad')) // failed rows must not claim or clobber a row
  }
  a.complete(); b.complete()
  assert.is(fromA.length, 3000)
  assert.is(fromB.length, 3000)
  for (let i = 0; i < 3000; i++) {
    if (fromA[i].features[0] !== i || fromB[i].features[0] !== -i || fromA[i].features[17] !== Math.fround(i + 0.17)) {
      assert.unreachable(`example ${i} overwritten: ${fromA[i].features[0]} ${fromB[i].features[0]}`)
    }
  }
  assert.is(decode.stats.decoded, 6000)
  assert.is(dlq.total, Math.ceil(3000 / 7))
})

test.run()
