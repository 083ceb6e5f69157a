// Pure operator tests: decodeCsv on real SUSY rows and every malformed kind, shuffle, batch.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { from, lastValueFrom, Observable, Subject, toArray } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { batch, CollectingDeadLetterSink, toArrays, type ArrayBatch, decodeCsv, DecodeError, parseFeatures, parseLabel, shuffle, type Example, type ConsumedRecord } from '../../src/index.js'

import { susyLines } from '../support/paths.js'

function record (key: string | null, value: string | null, offset = 0): ConsumedRecord {
  return {
    topic: 't',
    partition: 0,
    offset: BigInt(offset),
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    timestamp: 0n,
    headers: new Map()
  }
}

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

// --- shuffle ---

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
const run = async <T>(values: T[], op: (o: Observable<T>) => Observable<T>): Promise<T[]> => lastValueFrom(from(values).pipe(op, toArray()))

test('shuffle: a permutation, reproducible from its seed, different per epoch', async () => {
  const input = range(1000)
  const a = await run(input, shuffle(64, 7))
  assert.equal([...a].sort((x, y) => x - y), input)
  assert.not.equal(a, input)
  assert.equal(await run(input, shuffle(64, 7)), a, 'same seed, same order')
  assert.not.equal(await run(input, shuffle(64, 8)), a, 'other seed, other order')
  const op = shuffle<number>(64, 7)
  const epoch1 = await run(input, op)
  const epoch2 = await run(input, op)
  assert.equal(epoch1, a)
  assert.not.equal(epoch2, epoch1, 'reshuffled each iteration')
  const fixed = shuffle<number>(64, 7, { reshuffleEachIteration: false })
  assert.equal(await run(input, fixed), await run(input, fixed))
  assert.equal(await run(input, shuffle(1, 3)), input, 'buffer of 1 keeps the order')
  assert.equal(await run([1, 2, 3].slice(0, 0), shuffle(8)), [])
})

test('shuffle: window-bounded like tf.data (input i is output at position >= i - bufferSize + 1)', async () => {
  const n = 5000
  for (const size of [2, 10, 64]) {
    const out = await run(range(n), shuffle(size, 1))
    let tightest = Infinity
    out.forEach((value, position) => {
      if (position < value - size + 1) assert.unreachable(`size ${size}: ${value} at ${position}`)
      tightest = Math.min(tightest, position - (value - size + 1))
    })
    assert.is(tightest, 0, 'the bound is reached, so it is the real bound')
  }
})

test('shuffle: uniform choice from the buffer (first output spread over the first bufferSize inputs)', async () => {
  const counts = new Array(8).fill(0)
  for (let seed = 0; seed < 4000; seed++) counts[(await run(range(20), shuffle(8, seed)))[0]]++
  for (const c of counts) assert.ok(c > 400 && c < 600, `counts ${counts}`)
})

test('shuffle: emits as input arrives once the buffer is full (streaming, not collect-all)', () => {
  const subject = new Subject<number>()
  const seen: number[] = []
  subject.pipe(shuffle(3, 1)).subscribe(v => seen.push(v))
  for (let i = 0; i < 3; i++) subject.next(i)
  assert.is(seen.length, 0)
  subject.next(3)
  assert.is(seen.length, 1)
  subject.complete()
  assert.equal([...seen].sort(), [0, 1, 2, 3])
})

// --- batch ---

test('batch: by count with the remainder flushed at completion, never empty', async () => {
  assert.equal(await lastValueFrom(from(range(10)).pipe(batch(4), toArray())), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
  assert.equal(await lastValueFrom(from(range(8)).pipe(batch(4), toArray())), [[0, 1, 2, 3], [4, 5, 6, 7]])
  assert.equal(await lastValueFrom(from([]).pipe(batch(4), toArray())), [])
})

test('batch: by time, maxWaitMs counted from the first element of a partial batch', () => {
  const scheduler = new TestScheduler((actual, expected) => assert.equal(actual, expected))
  scheduler.run(({ cold, expectObservable }) => {
    // a, b arrive; 10 ms after a the partial batch goes out. c..f then fill a batch by count.
    const source = cold('a 4ms b 10ms c d e f 30ms g |')
    expectObservable(source.pipe(batch(4, { maxWaitMs: 10, scheduler }))).toBe(
      '10ms x 8ms y 31ms (z|)', { x: ['a', 'b'], y: ['c', 'd', 'e', 'f'], z: ['g'] })
  })
})

test('batch: by time with real timers on a slow stream', async () => {
  const subject = new Subject<number>()
  const batches: number[][] = []
  subject.pipe(batch(100, { maxWaitMs: 30 })).subscribe(b => batches.push(b))
  subject.next(1); subject.next(2)
  await new Promise(resolve => setTimeout(resolve, 60))
  assert.equal(batches, [[1, 2]])
  subject.next(3)
  subject.complete()
  assert.equal(batches, [[1, 2], [3]])
})

// --- toArrays ---

function example (row: number, label: 0 | 1 | null, width = 18): Example {
  return { features: Float32Array.from({ length: width }, (_, j) => row * 100 + j), label, record: record('1', '') }
}

test('toArrays: rows packed in order, labels in ys (NaN for none), fresh arrays by default', async () => {
  const batches = [[example(0, 1), example(1, 0), example(2, null)], [example(3, 1)]]
  const out = await lastValueFrom(from(batches).pipe(toArrays(), toArray()))
  assert.is(out[0].n, 3)
  assert.is(out[0].features, 18)
  assert.is(out[0].xs.length, 54)
  assert.equal(Array.from(out[0].xs.subarray(18, 21)), [100, 101, 102])
  assert.is(out[0].xs[2 * 18 + 17], 217)
  assert.equal(Array.from(out[0].ys.subarray(0, 2)), [1, 0])
  assert.ok(Number.isNaN(out[0].ys[2]))
  assert.is(out[0].examples, batches[0])
  assert.is(out[1].n, 1)
  assert.equal(Array.from(out[1].xs.subarray(0, 2)), [300, 301])
  assert.is.not(out[0].xs.buffer, out[1].xs.buffer)
  assert.is(out[0].xs[0], 0, 'an earlier batch is untouched by later ones')
})

test('toArrays: reuse rotates a pool of buffers, grows them, and replaces transferred ones', () => {
  const subject = new Subject<Example[]>()
  const seen: Array<{ batch: ArrayBatch; first: number }> = []
  subject.pipe(toArrays({ reuse: true })).subscribe(b => seen.push({ batch: b, first: b.xs[0] }))
  for (let i = 0; i < 4; i++) subject.next([example(10 * i, 1), example(10 * i + 1, 0)])
  assert.equal(seen.map(s => s.first), [0, 1000, 2000, 3000], 'right values at emission')
  assert.is(seen[0].batch.xs.buffer, seen[2].batch.xs.buffer, 'slot reused two batches later')
  assert.is.not(seen[0].batch.xs.buffer, seen[1].batch.xs.buffer)
  assert.is(seen[0].batch.xs[0], 2000, 'documented: overwritten by the batch two later')
  subject.next([example(50, 1)]) // smaller batch: a view of the pooled buffer
  assert.is(seen[4].batch.n, 1)
  assert.is(seen[4].batch.xs.length, 18)
  assert.is(seen[4].batch.xs.buffer, seen[0].batch.xs.buffer)
  structuredClone(seen[4].batch.xs.buffer, { transfer: [seen[4].batch.xs.buffer as ArrayBuffer] }) // detach, as postMessage does
  subject.next([example(60, 1)])
  subject.next([example(70, 1), example(71, 0), example(72, 1)]) // same slot as the detached one, and larger
  assert.is(seen[6].batch.xs[36], 7200)
  assert.is(seen[6].batch.xs.length, 54)
})

test('toArrays: examples of different widths in one batch fail the stream', async () => {
  try {
    await lastValueFrom(from([[example(0, 1), example(1, 1, 17)]]).pipe(toArrays()))
    assert.unreachable('should fail')
  } catch (err) {
    assert.match((err as Error).message, /17 features/)
  }
})

test.run()
