// The dataset spec's JSON Schema file (for editors) is the schema the validator uses, and the
// validator's errors name the path in the file and the fix.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { PACKAGE_ROOT } from '../../src/infra/paths.js'
import { specSchema } from '../../src/spec/schema.js'
import { susySpec } from '../../src/spec/susy.js'
import { SpecError, validateSpec } from '../../src/spec/validate.js'

const topics = { train: { name: 'a-train' }, test: { name: 'a-test' }, predictions: { name: 'a-pred' }, deadLetters: { name: 'a-dlq' } }

test('specs/dataset-spec.schema.json is the validator\'s schema', () => {
  assert.equal(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'specs/dataset-spec.schema.json'), 'utf8')), JSON.parse(JSON.stringify(specSchema)))
})

test('the SUSY spec validates and keeps its defaults', () => {
  const susy = susySpec({ topics: { train: 'susy-train', test: 'susy-test', predictions: 'susy-predictions', dlq: 'susy-dlq' } })
  assert.equal(validateSpec(JSON.parse(JSON.stringify(susy))), susy)
})

test('errors name the path and the fix', () => {
  const bad = { name: 'a', topics, format: { type: 'json' }, label: { column: 'y' }, features: [{ type: 'numerc', from: { field: 'x' } }], task: { type: 'binary' } }
  const problems = (): string[] => { try { validateSpec(bad, 'a.yaml'); return [] } catch (e) { assert.instance(e, SpecError); return (e as SpecError).problems } }
  assert.equal(problems(), ['features[0].type: must be one of "numeric", "categorical", "boolean"'])
  bad.features[0]!.type = 'numeric'
  assert.equal(problems(), ['label: the format is json, so name a field ({field: "a.b"}), not a column'])
  bad.label = { field: 'x' } as never
  assert.equal(problems(), ['label: a feature reads the same value as the label; remove it from features'])
  bad.label = { field: 'y' } as never
  const ok = validateSpec(bad, 'a.yaml')
  assert.equal(ok.features[0], { type: 'numeric', from: { field: 'x' }, name: 'x', onMissing: 'dead-letter' })
  assert.equal(ok.task, { type: 'binary', classes: ['0', '1'] })
})

test.run()
