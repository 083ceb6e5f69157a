// What `evaluate` prints per task (the binary line byte for byte as it always was), the spec it
// decodes with, the topics lag and reset look at with --spec, the dead-letter reasons score
// counts, and the task gauges the metrics endpoint and the dashboard show.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { modelSpecFor } from '../../src/commands/evaluate-spec.js'
import { evaluationJson, formatConfusion, formatEvaluation, round4 } from '../../src/commands/evaluation-report.js'
import { specInputTopics } from '../../src/commands/group-topics.js'
import { UsageError } from '../../src/errors.js'
import { binaryMetrics } from '../../src/ml/evaluation.js'
import { evaluateTask, type TaskMetrics } from '../../src/ml/task-metrics.js'
import { metrics, registry } from '../../src/runtime/metrics.js'
import { setTaskFigures } from '../../src/runtime/task-gauges.js'
import { deadLetterReasons } from '../../src/sinks/dead-letter-reasons.js'
import { toDeadLetterMessage } from '../../src/sinks/dead-letter.js'
import { susySpec } from '../../src/spec/susy.js'
import type { DatasetSpec, ResolvedSpec } from '../../src/spec/types.js'
import { NO_HEADERS } from '../../src/record.js'

const by = { model: 'susy@3', backend: 'wasm', source: 'topic susy-test' }

test('binary: the line and the JSON evaluate has always printed, to the byte', () => {
  const m = { task: 'binary' as const, ...binaryMetrics([0.9, 0.2, 0.6, 0.4, 0.7], [1, 0, 0, 1, 1]) }
  // The text the SUSY evaluate printed before the spec existed, written out here as it was.
  const before = `susy@3 on ${m.rows.toLocaleString('en-US')} rows of topic susy-test: accuracy ${m.accuracy.toFixed(4)}, AUC ${m.auc.toFixed(4)}, loss ${m.loss.toFixed(4)} (wasm)\n`
  assert.is(formatEvaluation(m, by), before)
  assert.is(formatEvaluation(m, by), 'susy@3 on 5 rows of topic susy-test: accuracy 0.6000, AUC 0.8333, loss 0.5036 (wasm)\n')
  assert.is(JSON.stringify(evaluationJson(m, by)), `{"rows":5,"accuracy":0.6,"auc":${round4(m.auc)},"loss":${round4(m.loss)},"model":"susy@3","backend":"wasm"}`)
  assert.is(formatEvaluation({ ...m, rows: 1234567 }, by).slice(0, 30), 'susy@3 on 1,234,567 rows of to')
  assert.equal(evaluationJson({ task: 'binary', rows: 0, accuracy: NaN, auc: NaN, loss: NaN }, by), { rows: 0, accuracy: null, auc: null, loss: null, model: 'susy@3', backend: 'wasm' })
})

test('multiclass: accuracy, macro-F1, log-loss, then the confusion matrix with class names; JSON with the same figures', () => {
  const task = { type: 'multiclass' as const, classes: ['bird', 'fish', 'insect'] }
  const outputs = Float32Array.from([0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.5, 0.3, 0.2, 0.1, 0.1, 0.8])
  const m = evaluateTask(task, outputs, [0, 1, 1, 2], 4)
  if (m.task !== 'multiclass') throw new Error('multiclass')
  const text = formatEvaluation(m, { ...by, model: 'zoo@1', source: 'zoo.jsonl' })
  assert.is(text,
    `zoo@1 on 4 rows of zoo.jsonl: accuracy 0.7500, macro-F1 ${m.macroF1.toFixed(4)}, log-loss ${m.loss.toFixed(4)} (wasm)\n` +
    '  true \\ predicted  bird  fish  insect\n' +
    '  bird                 1     0       0\n' +
    '  fish                 1     1       0\n' +
    '  insect               0     0       1\n')
  assert.equal(evaluationJson(m, { ...by, skipped: { 'missing-field': 2 } }), {
    task: 'multiclass', rows: 4, accuracy: 0.75, macroF1: round4(m.macroF1), loss: round4(m.loss),
    classes: task.classes, confusion: [[1, 0, 0], [1, 1, 0], [0, 0, 1]], model: 'susy@3', backend: 'wasm', skipped: { 'missing-field': 2 }
  })
  // Wide counts widen their column and a long class name the first: the columns stay aligned, right-justified.
  const wide = formatConfusion(['a', 'a-very-long-class-name'], [[12345, 0], [1, 2]]).split('\n').slice(0, -1)
  assert.equal(wide.map(l => l.length), [wide[0]!.length, wide[0]!.length, wide[0]!.length])
  assert.equal(wide.map(l => l.trim().split(/\s{2,}/)), [['true \\ predicted', 'a', 'a-very-long-class-name'], ['a', '12345', '0'], ['a-very-long-class-name', '1', '2']])
  assert.is(wide[1]!.indexOf('12345') + 5, wide[0]!.indexOf('  a-very'), 'counts end where their class name ends')
})

test('regression: RMSE, MAE, R²', () => {
  const m = evaluateTask({ type: 'regression' }, Float32Array.from([1, 2, 4]), [1, 3, 3], 3)
  if (m.task !== 'regression') throw new Error('regression')
  assert.is(formatEvaluation(m, by), `susy@3 on 3 rows of topic susy-test: RMSE ${Math.sqrt(2 / 3).toFixed(4)}, MAE ${(2 / 3).toFixed(4)}, R² ${m.r2.toFixed(4)} (wasm)\n`)
  assert.equal(evaluationJson(m, by), { task: 'regression', rows: 3, rmse: round4(Math.sqrt(2 / 3)), mae: round4(2 / 3), r2: round4(m.r2), model: 'susy@3', backend: 'wasm' })
})

const regressionSpec = (over: Partial<DatasetSpec> = {}): DatasetSpec => ({
  ...susySpec({ topics: { train: 'p-train', test: 'p-test', predictions: 'p-out', dlq: 'p-dlq' } }),
  name: 'prices',
  task: { type: 'regression' },
  ...over
})

test('evaluate decodes with the model\'s stored spec, else a resolved --spec that fits the model', () => {
  const stored = regressionSpec() as ResolvedSpec
  const given = susySpec({ topics: { train: 'a', test: 'b', predictions: 'c', dlq: 'd' } })
  assert.is(modelSpecFor(stored, given, { inputs: 18, outputs: 1, task: 'regression' }, 'prices@2'), stored, 'the stored one wins')
  assert.is(modelSpecFor(undefined, given, { inputs: 18, outputs: 1, task: 'binary' }, 'susy@2'), given)
  assert.throws(() => modelSpecFor(undefined, given, { inputs: 7, outputs: 1, task: 'binary' }, 'susy@2'),
    (e: Error) => e instanceof UsageError && /susy@2 takes 7 inputs and gives 1 outputs, but the spec's features encode to 18/.test(e.message))
  const unresolved = regressionSpec({ task: { type: 'multiclass' } })
  assert.throws(() => modelSpecFor(undefined, unresolved, { inputs: 18, outputs: 3, task: 'multiclass' }, 'prices@1'),
    (e: Error) => e instanceof UsageError && /stored without a dataset spec.*list them in the spec/.test(e.message))
})

test('lag and reset with --spec: the spec\'s train and test topics the group has committed', () => {
  const spec = regressionSpec()
  assert.equal(specInputTopics(spec, ['other', 'p-test']), { topics: ['p-test'], scope: 'the topics of spec prices (p-train, p-test)' })
  assert.equal(specInputTopics(spec, ['p-test', 'p-train']).topics, ['p-train', 'p-test'])
  assert.equal(specInputTopics(spec, ['other']).topics, [])
})

test('score counts dead letters by the reason each one carries', () => {
  const record = { topic: 't', partition: 0, offset: 5n, key: null, value: Buffer.from('x'), timestamp: 0n, headers: NO_HEADERS }
  const messages = [
    toDeadLetterMessage(record, 'arity', { topic: 'dlq' }),
    toDeadLetterMessage(record, 'bad-json', { topic: 'dlq', detail: 'Unexpected token' }),
    toDeadLetterMessage(record, 'arity', { topic: 'dlq' }),
    { topic: 'dlq', value: Buffer.from('no header') },
    { topic: 'dlq', headers: { 'streamfit.dlq.reason': Buffer.from('missing-field') } }
  ]
  assert.equal([...deadLetterReasons(messages)], [['arity', 2], ['bad-json', 1], ['unknown', 1], ['missing-field', 1]])
})

test('streamfit_validation_figure carries each task\'s figures; a NaN one is left out', async () => {
  const sample = async (app: string): Promise<Record<string, number>> => {
    const metric = await registry.getSingleMetric('streamfit_validation_figure')!.get()
    return Object.fromEntries(metric.values.filter(v => v.labels.app === app).map(v => [String(v.labels.figure), v.value]))
  }
  const multiclass: TaskMetrics = { task: 'multiclass', rows: 10, accuracy: 0.7, macroF1: 0.6, loss: 0.8, confusion: [], classes: [] }
  setTaskFigures('vf-multi', multiclass)
  assert.equal(await sample('vf-multi'), { accuracy: 0.7, macroF1: 0.6, loss: 0.8 })
  setTaskFigures('vf-reg', { task: 'regression', rows: 3, rmse: 1.5, mae: 1.2, r2: 0.4 })
  assert.equal(await sample('vf-reg'), { rmse: 1.5, mae: 1.2, r2: 0.4 })
  setTaskFigures('vf-bin', { task: 'binary', rows: 4, accuracy: 0.5, auc: 0.75, loss: 0.7 })
  setTaskFigures('vf-bin', { task: 'binary', rows: 1, accuracy: 1, auc: NaN, loss: 0.1 })
  assert.equal(await sample('vf-bin'), { accuracy: 1, loss: 0.1 }, 'the AUC of one class is not a number: gone, not stale')
  assert.match(await registry.metrics(), /streamfit_validation_figure\{app="vf-reg",figure="rmse"\} 1\.5/)
  metrics.validationFigure.reset()
})

test.run()
