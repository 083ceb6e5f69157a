// The dataset specs shipped under specs/ (the benchmark's, bench/datasets/streamfit.ts): each is a
// valid spec named for its data file, with <name>-train/-test/-predictions/-dlq topics and the
// model settings it was tuned with, and its data file reads through the loader's reader whole.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readTableRecords } from '../../src/data/table-records.js'
import { PACKAGE_ROOT } from '../../src/infra/paths.js'
import { readSpec } from '../../src/spec/load-spec.js'

// data file, rows in it (data/README.md), task
const SHIPPED: Record<string, { file: string, rows: number, task: string, id?: string }> = {
  phishing: { file: 'phishing.csv.gz', rows: 1250, task: 'binary' },
  segment: { file: 'segment.csv', rows: 2310, task: 'multiclass' },
  'seattle-weather': { file: 'seattle-weather.csv', rows: 1461, task: 'multiclass', id: 'date' },
  cars: { file: 'cars.jsonl', rows: 406, task: 'regression' }
}

test('specs/ ships exactly the benchmark\'s specs', () => {
  const yamls = readdirSync(join(PACKAGE_ROOT, 'specs')).filter(f => f.endsWith('.yaml')).map(f => f.replace(/\.yaml$/, '')).sort()
  assert.equal(yamls, Object.keys(SHIPPED).sort())
})

for (const [name, c] of Object.entries(SHIPPED)) {
  test(`specs/${name}.yaml: valid, its topics and model settings, and it reads data/${c.file} whole`, async () => {
    const spec = await readSpec(join(PACKAGE_ROOT, 'specs', `${name}.yaml`))
    assert.is(spec.name, name)
    assert.equal([spec.topics.train.name, spec.topics.test.name, spec.topics.predictions.name, spec.topics.deadLetters.name],
      [`${name}-train`, `${name}-test`, `${name}-predictions`, `${name}-dlq`])
    assert.is(spec.task.type, c.task)
    assert.equal(spec.id, c.id !== undefined ? { column: c.id } : undefined)
    assert.ok(spec.model.type === 'mlp')
    const m = spec.model
    assert.ok(m.hidden !== undefined && m.learningRate !== undefined && m.epochs !== undefined && m.batchSize !== undefined, 'the tuned settings are all in the spec')
    assert.is(m.dropout?.length, m.hidden.length, 'one dropout rate per hidden layer (train would otherwise add its SUSY defaults)')
    const read = await readTableRecords(spec, join(PACKAGE_ROOT, 'data', c.file))
    assert.is(read.records.length, c.rows)
    assert.is(read.skipped.length, 0)
  })
}

test.run()
