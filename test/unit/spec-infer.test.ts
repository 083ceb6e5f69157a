// streamfit init's inference on small files written here: column types, the id, the label and
// the task, the delimiter and the header, JSON lines, missing values; the YAML it writes reads
// back as a valid spec.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse, stringify } from 'yaml'
import { describeApp } from '../../src/commands/describe.js'
import { nameOf } from '../../src/commands/init.js'
import { loadConfig } from '../../src/config.js'
import { modelForSpec } from '../../src/spec/model.js'
import type { ResolvedSpec } from '../../src/spec/types.js'
import { UsageError } from '../../src/errors.js'
import { inferSpec, inferTask, type ColumnDecision, type Inference } from '../../src/spec/infer.js'
import { sampleData } from '../../src/spec/sample-data.js'
import { specYaml } from '../../src/spec/write-spec.js'
import { validateSpec } from '../../src/spec/validate.js'
import type { CategoricalFeature, NumericFeature } from '../../src/spec/types.js'

const dir = mkdtempSync(join(tmpdir(), 'streamfit-infer-'))
test.after(() => rmSync(dir, { recursive: true, force: true }))

function file (name: string, text: string | Buffer): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

async function infer (path: string, label?: string): Promise<Inference & { header: boolean, delimiter?: string }> {
  const { sample } = await sampleData(path)
  const inference = inferSpec(sample, { name: 'fixture', ...(label !== undefined ? { label } : {}) })
  return { ...inference, header: sample.header, ...(sample.format.type === 'csv' ? { delimiter: sample.format.delimiter } : {}) }
}

const byColumn = (decisions: ColumnDecision[]): Record<string, string> =>
  Object.fromEntries(decisions.map(d => [d.column, d.role === 'feature' ? d.type! : d.role]))

// Ten rows: an id, a number with a gap, a 3-valued category, a yes/no flag, free text, the label.
const PAYMENTS = [
  'payment_id,amount,country,member,note,label',
  '101,12.5,FR,yes,first order,0',
  '102,8,DE,no,gift,1',
  '103,,FR,yes,late again,0',
  '104,100.25,US,NO,"quoted, with comma",0',
  '105,3,FR,Yes,x,1',
  '106,7.5,DE,no,y,0',
  '107,1e3,US,yes,z,0',
  '108,-4,FR,no,w,1',
  '109,0,DE,yes,v,0',
  '110,2,FR,no,u,0'
].join('\n') + '\n'

test('init writes the model train will fit (train\'s defaults, dropout included), and train takes the model from the spec', async () => {
  const r = await infer(file('model.csv', PAYMENTS))
  assert.equal(r.spec.model, { type: 'mlp', hidden: [128, 256, 128], dropout: [0.3, 0.5, 0.5], learningRate: 0.001, epochs: 30, batchSize: 64 })
  const path = file('model.spec.yaml', specYaml(r, { file: join(dir, 'model.spec.yaml'), data: 'model.csv', rows: 10 }))
  const config = loadConfig({})
  const trainStep = async (args: string[]): Promise<string> => (await describeApp('train', config, args)).steps.find(s => s.name === 'trainBatches')!.detail
  // The written settings are exactly what train runs without a spec: nothing changes by writing them.
  const written = await trainStep(['--spec', path])
  assert.match(written, /^up to 30 epochs, .*dropout 0\.3\/0\.5\/0\.5,/)
  assert.is(written.replace(/, (binary|categorical) cross-entropy.*/, ''), (await trainStep([])).replace(/, (binary|categorical) cross-entropy.*/, ''))
  // Edited, the spec's model is what train fits; a flag still wins.
  const edited = parse(readFileSync(path, 'utf8')) as { model: Record<string, unknown> }
  edited.model = { ...edited.model, dropout: [0.1, 0.2, 0.1], epochs: 7 }
  const editedPath = file('edited.spec.yaml', stringify(edited))
  assert.match(await trainStep(['--spec', editedPath]), /^up to 7 epochs, .*dropout 0\.1\/0\.2\/0\.1,/)
  assert.match(await trainStep(['--spec', editedPath, '--dropout', '0,0,0']), /dropout 0\/0\/0,/)
  assert.equal(modelForSpec(r.spec as ResolvedSpec).dropout, [0.3, 0.5, 0.5])
  assert.equal(modelForSpec({ ...r.spec, model: { type: 'mlp', dropout: [0.1, 0.2, 0.1] } } as ResolvedSpec).dropout, [0.1, 0.2, 0.1])
})

test('CSV with a header: numeric, categorical, boolean, id, dropped text, and the label named "label"', async () => {
  const r = await infer(file('payments.csv', PAYMENTS))
  assert.is(r.header, true)
  assert.is(r.delimiter, ',')
  assert.equal(byColumn(r.columns), { payment_id: 'id', amount: 'numeric', country: 'categorical', member: 'boolean', note: 'dropped', label: 'label' })
  assert.equal(r.spec.id, { column: 'payment_id' })
  assert.equal(r.spec.label, { column: 'label' })
  assert.equal(r.spec.format, { type: 'csv', delimiter: ',', quote: '"', columns: ['payment_id', 'amount', 'country', 'member', 'note', 'label'] })
  const amount = r.spec.features.find(f => f.name === 'amount') as NumericFeature
  assert.is(amount.onMissing, 'impute', 'a value is missing in the sample')
  assert.is(amount.impute, 'mean')
  assert.match(r.columns.find(c => c.column === 'amount')!.reason, /1 missing/)
  const country = r.spec.features.find(f => f.name === 'country') as CategoricalFeature
  assert.equal(country.vocabulary, ['DE', 'FR', 'US'])
  assert.is(country.onMissing, 'dead-letter', 'nothing missing: a missing value later is an error')
  assert.match(r.columns.find(c => c.column === 'note')!.reason, /all 10 values distinct/)
  assert.equal(r.spec.task, { type: 'binary', classes: ['0', '1'] })
  assert.equal(r.spec.topics, {
    train: { name: 'fixture-train', partitions: 1 },
    test: { name: 'fixture-test', partitions: 2 },
    predictions: { name: 'fixture-predictions', partitions: 2 },
    deadLetters: { name: 'fixture-dlq', partitions: 1 }
  })
})

test('delimiters ; tab | are detected, quoted fields holding another delimiter do not fool it', async () => {
  for (const [name, d] of [['semi.csv', ';'], ['tab.tsv', '\t'], ['pipe.csv', '|']] as const) {
    const text = PAYMENTS.split('\n').map(line => line.replace('"quoted, with comma"', '"a;b|c,d"').split(',').join(d).replace(`"a;b|c${d}d"`, '"a;b|c,d"')).join('\n')
    const r = await infer(file(name, text))
    assert.is(r.delimiter, d, name)
    assert.equal(byColumn(r.columns), { payment_id: 'id', amount: 'numeric', country: 'categorical', member: 'boolean', note: 'dropped', label: 'label' }, name)
  }
})

test('CSV without a header: columns named column0…, the label is the last column; gzip is read', async () => {
  const rows = PAYMENTS.split('\n').slice(1).join('\n')
  const r = await infer(file('nohead.csv.gz', gzipSync(rows)))
  assert.is(r.header, false)
  assert.equal((r.spec.format as { columns: string[] }).columns, ['column0', 'column1', 'column2', 'column3', 'column4', 'column5'])
  assert.equal(r.spec.label, { column: 'column5' })
  assert.match(r.columns.find(c => c.role === 'label')!.reason, /the last column/)
  // No id without an id-like name: the all-distinct numbers are a numeric feature.
  assert.is(r.spec.id, undefined)
  assert.is(byColumn(r.columns).column0, 'numeric')
})

test('JSON lines (gzip): nested fields by dotted path, JSON booleans, null and absent are missing, arrays dropped, text labels multiclass', async () => {
  const species = ['setosa', 'versicolor', 'virginica']
  const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({
    id: `r${i}`,
    size: { width: i % 5 === 0 ? null : i * 0.5, height: i + 1 },
    ...(i === 3 ? {} : { colour: ['red', 'blue'][i % 2] }),
    wild: i % 3 === 0,
    tags: ['a', 'b'],
    code: String(i * 7),
    species: species[i % 3]
  }))
  const r = await infer(file('flowers.jsonl.gz', gzipSync(lines.join('\n') + '\n')), 'species')
  assert.equal(r.spec.format, { type: 'json' })
  assert.equal(byColumn(r.columns), { id: 'id', 'size.width': 'numeric', 'size.height': 'numeric', colour: 'categorical', wild: 'boolean', tags: 'dropped', code: 'dropped', species: 'label' })
  assert.equal(r.spec.id, { field: 'id' })
  assert.equal(r.spec.label, { field: 'species' })
  const width = r.spec.features.find(f => f.name === 'size.width')!
  assert.equal(width.from, { field: 'size.width' })
  assert.is(width.onMissing, 'impute')
  assert.is(r.columns.find(c => c.column === 'size.width')!.missing, 3)
  assert.is(r.spec.features.find(f => f.name === 'colour')!.onMissing, 'impute', 'absent in one row')
  assert.match(r.columns.find(c => c.column === 'code')!.reason, /distinct/, 'numbers in JSON strings are text to a JSON decoder')
  assert.equal(r.spec.task, { type: 'multiclass', classes: species })
})

const column = (cells: Array<string | number | boolean | null>): { name: string, cells: Array<string | number | boolean | null> } => ({ name: 'y', cells })

test('task: binary classes in a stable order, negative first', () => {
  assert.equal(inferTask(column(['yes', 'no', 'yes'])).classes, ['no', 'yes'])
  assert.equal(inferTask(column(['True', 'false'])).classes, ['false', 'True'])
  assert.equal(inferTask(column([true, false])).classes, ['false', 'true'])
  assert.equal(inferTask(column(['1.0', '0.0', '1'])).classes, ['0.0', '1.0'], '1 and 1.0 are one class, spelt as first seen')
  assert.equal(inferTask(column(['1', '-1'])).classes, ['-1', '1'])
  assert.equal(inferTask(column(['spam', 'ham'])).classes, ['ham', 'spam'])
  assert.equal(inferTask(column(['Y', 'N'])).classes, ['N', 'Y'])
})

test('task: multiclass for few integers or texts, regression for other numbers, refusals', () => {
  assert.equal(inferTask(column(['10', '2', '1', '2'])), { type: 'multiclass', classes: ['1', '2', '10'], reason: 'multiclass: 3 distinct integer labels (at most 50): 1, 2, 10' })
  assert.is(inferTask(column(['1.5', '2', '3'])).type, 'regression')
  assert.is(inferTask(column(Array.from({ length: 60 }, (_, i) => String(i)))).type, 'regression', 'more than 50 integers')
  assert.is(inferTask(column(Array.from({ length: 50 }, (_, i) => String(i)))).type, 'multiclass', '50 integers')
  const missing = inferTask(column(['a', null, 'b', 'c']))
  assert.is(missing.type, 'multiclass')
  assert.match(missing.reason, /1 rows without a label.*dead-letters/)
  assert.throws(() => inferTask(column(['a', 'a', null])), (e: Error) => e instanceof UsageError && /one value/.test(e.message))
  assert.throws(() => inferTask(column(Array.from({ length: 51 }, (_, i) => `t${i}`))), (e: Error) => e instanceof UsageError && /51 distinct texts/.test(e.message))
})

test('categorical needs each value twice on average; id needs an id-like name and distinct values', async () => {
  const text = ['user_id,paid,shade,class', '1,a,red,0', '2,b,red,1', '3,c,blue,0', '4,d,green,1', '5,e,red,0', '6,f,blue,1', '7,g,teal,0', '8,h,red,1'].join('\n')
  const r = await infer(file('shades.csv', text))
  // "paid" ends in "id" but is no id; its 8 distinct texts are an identifier, dropped.
  assert.equal(byColumn(r.columns), { user_id: 'id', paid: 'dropped', shade: 'categorical', class: 'label' })
  const few = ['k,x,label', '1,a,0', '2,b,1', '3,c,0', '4,a,1'].join('\n')
  const r2 = await infer(file('few.csv', few))
  assert.is(byColumn(r2.columns).x, 'dropped', '3 values in 4 rows is 75% of the rows, over the 50% bound')
  assert.is(byColumn(r2.columns).k, 'numeric', 'k is not named like an id')
})

test('the YAML written validates, names the schema and comments each decision; --label picks the column', async () => {
  const path = file('pay2.csv', PAYMENTS)
  const r = await infer(path, 'member')
  // Labels are texts (only numbers compare by value): yes, Yes, no and NO are four classes.
  assert.equal(r.spec.task, { type: 'multiclass', classes: ['NO', 'Yes', 'no', 'yes'] })
  assert.ok(r.spec.features.some(f => f.name === 'label'), 'the old label is a feature now')
  const text = specYaml(r, { file: join(dir, 'pay2.spec.yaml'), data: path, rows: 10 })
  assert.match(text, /^# yaml-language-server: \$schema=\S*specs\/dataset-spec\.schema\.json\n/)
  assert.match(text, /# amount: numeric, every value a number; 1 missing/)
  assert.match(text, /# {3}note: all 10 values distinct/)
  const spec = validateSpec(parse(text), 'pay2.spec.yaml')
  assert.equal(spec, validateSpec(JSON.parse(JSON.stringify(r.spec))), 'the file says what was inferred')
  await assert.not.throws(() => infer(path, 'amount'))
  assert.is((await infer(path, 'amount')).spec.task.type, 'regression')
  try { await infer(path, 'nope'); assert.unreachable() } catch (e) { assert.match((e as Error).message, /--label nope: no such column/) }
})

test('a header with an empty first name (pandas\' index) is a header; the column is named column0', async () => {
  const r = await infer(file('pandas.csv', ',size,label\n0,1.5,a\n1,2.5,b\n2,3.5,a\n3,4.5,b\n'))
  assert.is(r.header, true)
  assert.equal((r.spec.format as { columns: string[] }).columns, ['column0', 'size', 'label'])
  assert.equal(r.spec.task, { type: 'binary', classes: ['a', 'b'] })
})

test('the default name: the file\'s base name without its extensions, in topic-name characters', () => {
  assert.is(nameOf('/data/My Sales 2024.csv.gz'), 'my-sales-2024')
  assert.is(nameOf('events.jsonl'), 'events')
  assert.is(nameOf('https://example.org/x/iris.data.csv?raw=1'), 'iris.data')
  assert.is(nameOf('.csv'), 'dataset')
})

test.run()
