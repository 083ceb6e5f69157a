// A scorer refuses a --spec that does not describe what its model was trained on.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { layoutMismatch } from '../../src/spec/compatible.js'
import { susySpec } from '../../src/spec/susy.js'
import type { DatasetSpec } from '../../src/spec/types.js'

const susy = susySpec({ topics: { train: 'a', test: 'b', predictions: 'c', dlq: 'd' } })

test('the same layout under other topic names and model settings is compatible', () => {
  const other: DatasetSpec = { ...susySpec({ topics: { train: 'w', test: 'x', predictions: 'y', dlq: 'z' } }), model: { type: 'mlp', hidden: [8] } }
  assert.is(layoutMismatch(other, susy), null)
})

test('a different format, label, task or feature list is named', () => {
  assert.match(layoutMismatch({ ...susy, format: { type: 'json' } }, susy)!, 'the records are json, the model read csv')
  assert.match(layoutMismatch({ ...susy, label: { column: 0 } }, susy)!, 'the label comes from')
  assert.match(layoutMismatch({ ...susy, task: { type: 'regression' } }, susy)!, 'the task is regression, the model\'s is binary')
  assert.match(layoutMismatch({ ...susy, features: susy.features.slice(1) }, susy)!, 'the features are lepton_1_eta')
  const swapped = [susy.features[1]!, susy.features[0]!, ...susy.features.slice(2)]
  assert.ok(layoutMismatch({ ...susy, features: swapped }, susy) !== null, 'order matters: it is the model\'s input layout')
})

test.run()
