// load --spec's records from a file, before Kafka: values in the spec's column order, delimiter
// and quoting; keys from the label or the id; header or none; JSON lines; bad rows.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { BadRowError, UsageError } from '../../src/errors.js'
import { readTableRecords } from '../../src/data/table-records.js'
import { validateSpec } from '../../src/spec/validate.js'
import type { DatasetSpec } from '../../src/spec/types.js'

const dir = mkdtempSync(join(tmpdir(), 'streamfit-records-'))
test.after(() => rmSync(dir, { recursive: true, force: true }))

function file (name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const topics = { train: { name: 't-train' }, test: { name: 't-test' }, predictions: { name: 't-p' }, deadLetters: { name: 't-d' } }
const csvSpec = (extra: Record<string, unknown> = {}): DatasetSpec => validateSpec({
  name: 't', topics, format: { type: 'csv', columns: ['id', 'x', 'note', 'label'] }, label: { column: 'label' }, id: { column: 'id' },
  features: [{ type: 'numeric', from: { column: 'x' } }], task: { type: 'binary' }, ...extra
})
const text = (r: { key: Buffer | null, value: Buffer }): [string | null, string] => [r.key?.toString() ?? null, r.value.toString()]

test('CSV: a header in another order and delimiter is re-joined in format.columns order, quoted where needed; key = id', async () => {
  const path = file('mixed.csv', 'label;note;x;id\n1;"a, b";2.5;r1\n0;"say ""hi""";-1;r2\n;plain;3;r3\n')
  const { records, keyed } = await readTableRecords(csvSpec(), path)
  assert.is(keyed, 'id')
  assert.equal(records.map(text), [
    ['r1', 'r1,2.5,"a, b",1'],
    ['r2', 'r2,-1,"say ""hi""",0'],
    ['r3', 'r3,3,plain,'] // a missing label travels: the decoder dead-letters it
  ])
})

test('CSV without a header: format.columns order assumed; the spec\'s delimiter is written', async () => {
  const spec = csvSpec({ format: { type: 'csv', delimiter: '|', columns: ['id', 'x', 'note', 'label'] } })
  const { records } = await readTableRecords(spec, file('nohead.csv', 'r1,1,a|b,0\nr2,2,c,1\n'))
  assert.equal(records.map(text), [['r1', 'r1|1|"a|b"|0'], ['r2', 'r2|2|c|1']])
})

test('label as the key: from the header column format.columns lacks (or --label), left out of the value; missing label -> no key', async () => {
  const spec = validateSpec({ name: 't', topics, format: { type: 'csv', columns: ['a', 'b'] }, label: { key: true }, features: [{ type: 'numeric', from: { column: 'a' } }, { type: 'numeric', from: { column: 'b' } }], task: { type: 'binary' } })
  const path = file('keyed.csv', 'b,y,a\n1,0,2\n3,1,4\n5,,6\n')
  const { records, keyed } = await readTableRecords(spec, path)
  assert.is(keyed, 'label')
  assert.equal(records.map(text), [['0', '2,1'], ['1', '4,3'], [null, '6,5']])
  // Headerless: the first column is the label, as in SUSY's file; --label names another index.
  assert.equal((await readTableRecords(spec, file('k2.csv', '1,7,8\n0,9,10\n'))).records.map(text), [['1', '7,8'], ['0', '9,10']])
  assert.equal((await readTableRecords(spec, file('k3.csv', '7,8,1\n9,10,0\n'), { labelFrom: '2' })).records.map(text), [['1', '7,8'], ['0', '9,10']])
  const two = file('k4.csv', 'b,y,z,a\n1,0,0,2\n')
  try { await readTableRecords(spec, two); assert.unreachable() } catch (e) { assert.ok(e instanceof UsageError && /--label \(candidates: y, z\)/.test(e.message), (e as Error).message) }
})

test('JSON lines: the value is the line\'s text; label as key is taken out of the object; id field as key', async () => {
  const path = file('rows.jsonl', '{"id": 7, "p": {"label": "yes", "q": 1}, "r": 2}\n\n{"id": 8, "p": {"q": 3}}\n')
  const idSpec = validateSpec({ name: 't', topics, format: { type: 'json' }, label: { field: 'p.label' }, id: { field: 'id' }, features: [{ type: 'numeric', from: { field: 'p.q' } }], task: { type: 'binary', classes: ['no', 'yes'] } })
  assert.equal((await readTableRecords(idSpec, path)).records.map(text), [['7', '{"id": 7, "p": {"label": "yes", "q": 1}, "r": 2}'], ['8', '{"id": 8, "p": {"q": 3}}']])
  const keySpec = { ...idSpec, label: { key: true as const }, id: undefined }
  assert.equal((await readTableRecords(keySpec, path, { labelFrom: 'p.label' })).records.map(text), [['yes', '{"id":7,"p":{"q":1},"r":2}'], [null, '{"id":8,"p":{"q":3}}']])
})

test('bad rows stop the read with their line, or with skipBad are skipped and reported; rows limits data rows', async () => {
  const path = file('bad.csv', 'id,x,note,label\nr1,1,a,0\nr2,2,b\nr3,3,c,1\n{broken\nr4,4,"open,1\n')
  try { await readTableRecords(csvSpec(), path); assert.unreachable() } catch (e) { assert.ok(e instanceof BadRowError && /line 3: expected 4 columns \(as the header\), got 3/.test(e.message), (e as Error).message) }
  const skipped: number[] = []
  const { records } = await readTableRecords(csvSpec(), path, { skipBad: true, onSkip: r => skipped.push(r.line) })
  assert.equal(records.map(r => r.key?.toString()), ['r1', 'r3'])
  assert.equal(skipped.slice(0, 2), [3, 5])
  assert.is(skipped.length, 3, 'the unclosed quote too')
  assert.equal((await readTableRecords(csvSpec(), path, { rows: 1 })).records.map(r => r.key?.toString()), ['r1'])
  const json = file('bad.jsonl', '{"a":1}\nnot json\n[1]\n')
  const jsonSpec = validateSpec({ name: 't', topics, format: { type: 'json' }, label: { field: 'a' }, features: [{ type: 'numeric', from: { field: 'b' } }], task: { type: 'regression' } })
  const reasons: string[] = []
  await readTableRecords(jsonSpec, json, { skipBad: true, onSkip: r => reasons.push(`${r.line}: ${r.reason.slice(0, 24)}`) })
  assert.equal(reasons, ['2: bad JSON: Unexpected tok', '3: expected a JSON object, '])
})

test('a corrupt gzip file: a one-line UsageError naming it', async () => {
  const path = join(dir, 'broken.csv.gz')
  writeFileSync(path, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x67, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65, 0x21]))
  try { await readTableRecords(csvSpec(), path); assert.unreachable() } catch (e) { assert.ok(e instanceof UsageError && e.message.startsWith(`cannot read ${path}: `), (e as Error).message) }
})

test('a file of the other format is refused with the fix', async () => {
  try { await readTableRecords(csvSpec(), file('x.jsonl', '{"a":1}\n')); assert.unreachable() } catch (e) { assert.match((e as Error).message, /holds JSON lines, but the spec's format is csv/) }
})

test.run()
