// The SUSY row parser, the line splitter, the seeded split, the generator and the partitioner:
// unit tests, no broker needed.
import { Readable } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readLines } from '../../src/data/lines.js'
import { isRowError, looksLikeHeader, parseSusyRow, type SusyRow, type RowError } from '../../src/data/parse-row.js'
import { shuffledSplit, streamingSplit, testCount } from '../../src/data/split.js'
import { syntheticRows } from '../../src/data/synthetic.js'
import { syntheticBatches } from '../../src/data/synthetic-batches.js'
import { compatibilityPartitioner, type MessageToProduce } from '@platformatic/kafka'
import { javaKeyHash, javaPartition } from '../../src/kafka/partitioner.js'
import { seededRandom } from '../../src/random.js'

const FEATURES = '0.5147738456726073,1.0648096799850464,-0.4306025505065917,0.6434211134910583,1.365856647491455,1.415268301963806,0.7693983316421508,-0.799468159675598,0.7271212935447693,1.0767310857772827,0.4780502617359161,0.6003792285919188,1.114469051361084,0.0,0.4997004866600036,0.40645432472229,1.551685810089111,0.2222750037908554'

function ok (line: string): SusyRow {
  const row = parseSusyRow(Buffer.from(line), 7)
  if (isRowError(row)) throw new Error(`refused: ${row.reason}`)
  return row
}

function refused (line: string): RowError {
  const row = parseSusyRow(Buffer.from(line), 7)
  if (!isRowError(row)) throw new Error(`accepted: ${line}`)
  return row
}

test('labels parse in every spelling the SUSY exports use', () => {
  for (const [text, label] of [['0', 0], ['1', 1], ['0.0', 0], ['1.0', 1], ['1.000000000000000000e+00', 1], ['0.000000000000000000e+00', 0], ['1e0', 1], [' 1 ', 1]] as const) {
    assert.is(ok(`${text},${FEATURES}`).label, label, text)
  }
})

test('the value is the original feature text, byte for byte (full precision kept)', () => {
  assert.is(ok(`1.0,${FEATURES}`).value.toString(), FEATURES)
  assert.is(ok(`1.0,${FEATURES}\r`).value.toString(), FEATURES, 'a CRLF line loses only its \\r')
  const numbers = ok(`0,${FEATURES}`).value.toString().split(',').map(Number)
  assert.equal(numbers, FEATURES.split(',').map(Number))
  assert.is(numbers.length, 18)
})

test('malformed rows are refused with a reason', () => {
  assert.match(refused(`2,${FEATURES}`).reason, /label "2" is not 0 or 1/)
  assert.match(refused(`0.5,${FEATURES}`).reason, /not 0 or 1/)
  assert.match(refused(`abc,${FEATURES}`).reason, /not 0 or 1/)
  assert.match(refused(`,${FEATURES}`).reason, /label.*empty/)
  assert.match(refused(`1,${FEATURES.split(',').slice(1).join(',')}`).reason, /expected 19 columns.*got 18/)
  assert.match(refused(`1,${FEATURES},1.0`).reason, /expected 19 columns.*got 20/)
  assert.match(refused(`1,${FEATURES.replace('0.7693983316421508', 'x7')}`).reason, /column 8 "x7" is not a number/)
  assert.match(refused(`1,${FEATURES.replace('0.7693983316421508', '')}`).reason, /column 8 is empty/)
  assert.match(refused(`1,${FEATURES.replace('0.7693983316421508', 'NaN')}`).reason, /column 8.*not a finite/)
  assert.match(refused('').reason, /empty line/)
  assert.match(refused('1').reason, /19 comma-separated columns/)
  assert.is(refused('1').line, 7)
})

test('a header line is recognised as one', () => {
  assert.ok(looksLikeHeader(Buffer.from('class,lepton_1_pT,lepton_1_eta')))
  assert.not.ok(looksLikeHeader(Buffer.from(`1.0,${FEATURES}`)))
  assert.not.ok(looksLikeHeader(Buffer.from(`-1.5,${FEATURES}`)))
})

test('lines split across chunk boundaries come out whole', async () => {
  const text = 'a,1\nbb,22\r\nccc,333\n\nlast'
  for (const size of [1, 2, 3, 5, 100]) {
    const chunks: Buffer[] = []
    for (let i = 0; i < text.length; i += size) chunks.push(Buffer.from(text.slice(i, i + size)))
    const lines: string[] = []
    for await (const batch of readLines(Readable.from(chunks))) for (const l of batch) lines.push(l.toString())
    assert.equal(lines, ['a,1', 'bb,22\r', 'ccc,333', '', 'last'], `chunk size ${size}`)
  }
  const none: string[] = []
  for await (const batch of readLines(Readable.from([Buffer.from('x\n')]))) for (const l of batch) none.push(l.toString())
  assert.equal(none, ['x'], 'a trailing newline makes no empty last line')
})

test('the split has exact sizes like train_test_split (ceil for test) and is a permutation', () => {
  assert.is(testCount(8000, 0.4), 3200)
  assert.is(testCount(100000, 0.4), 40000)
  assert.is(testCount(10, 0.25), 3)
  assert.is(testCount(5, 0), 0)
  assert.is(testCount(5, 1), 5)
  const { test: t, train } = shuffledSplit(8000, 0.4, 42)
  assert.is(t.length, 3200)
  assert.is(train.length, 4800)
  const seen = new Set([...t, ...train])
  assert.is(seen.size, 8000)
  assert.ok([...seen].every(i => i >= 0 && i < 8000))
  assert.ok(t.slice(0, 20).some((v, i) => v !== i), 'shuffled, not in file order')
})

test('the same seed gives the same split; another seed another one', () => {
  const a = shuffledSplit(1000, 0.4, 7)
  const b = shuffledSplit(1000, 0.4, 7)
  const c = shuffledSplit(1000, 0.4, 8)
  assert.equal([...a.test], [...b.test])
  assert.not.equal([...a.test], [...c.test])
})

test('the streaming split picks exactly the test count, spread over the stream', () => {
  for (const [n, f] of [[1000, 0.4], [7, 0.5], [1, 0.4], [100, 0], [100, 1]] as const) {
    const pick = streamingSplit(n, f, 3)
    let picked = 0
    let firstHalf = 0
    for (let i = 0; i < n; i++) if (pick()) { picked++; if (i < n / 2) firstHalf++ }
    assert.is(picked, testCount(n, f), `${n} × ${f}`)
    if (n === 1000) assert.ok(firstHalf > 150 && firstHalf < 250, `not front-loaded: ${firstHalf} of 400 in the first half`)
  }
})

test('generated rows parse as SUSY rows, are reproducible and roughly balanced', () => {
  const a = syntheticRows(5)
  const b = syntheticRows(5)
  let signal = 0
  for (let i = 0; i < 5000; i++) {
    const row = a()
    const same = b()
    assert.is(row.value.toString(), same.value.toString())
    const parsed = ok(`${row.label},${row.value.toString()}`)
    assert.is(parsed.label, row.label)
    signal += row.label
  }
  assert.ok(signal > 2000 && signal < 2600, `about 46% signal, got ${signal} of 5000`)
})

test('rows made on the worker thread are the same rows, in the same order, and exactly as many', async () => {
  const next = syntheticRows(11)
  let n = 0
  for await (const batch of syntheticBatches(11, 2500, { batchRows: 1000 })) {
    for (let i = 0; i < batch.count; i++) {
      const row = next()
      assert.is(batch.labels[i], row.label)
      assert.ok(batch.values[i].equals(row.value), `row ${n}`)
      n++
    }
  }
  assert.is(n, 2500)
})

test('keys go where a Java client puts them: label 0 on partition 0, label 1 on partition 1 of two', () => {
  assert.is(javaPartition(Buffer.from('0'), 2), 0)
  assert.is(javaPartition(Buffer.from('1'), 2), 1)
  assert.is(javaPartition(Buffer.from('0.0'), 2), 0)
  assert.is(javaPartition(Buffer.from('1.0'), 2), 1)
  assert.is(javaPartition(Buffer.from('1'), 1), 0)
  // Kafka's Utils.murmur2 test vector: murmur2("21") = -973932308, toPositive → 1173551340.
  assert.is(javaPartition(Buffer.from('21'), 2 ** 31), 1173551340)
})

test('the key hash is the client\'s compatibilityPartitioner (a port of Java\'s murmur2) on any bytes', () => {
  const random = seededRandom(11)
  const message = {} as MessageToProduce<Buffer, Buffer, Buffer, Buffer>
  for (let i = 0; i < 2000; i++) {
    const key = Buffer.from(Array.from({ length: i % 67 }, () => Math.floor(random() * 256)))
    assert.is(javaKeyHash(key), compatibilityPartitioner(message, key), `key ${key.toString('hex')}`)
  }
})

test.run()
