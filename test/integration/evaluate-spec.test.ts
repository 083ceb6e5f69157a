// `evaluate --spec` through the CLI against the real broker and Redis, on two tiny data sets written
// here (a multiclass CSV with a header, a regression JSON-lines file with a categorical feature):
// load → train → evaluate. The printed figures must be those evaluateTask gives when the test's own
// code takes the held-out rows from the file (the seeded split load uses), encodes them by hand
// from the stored model's spec, and scores them with the same stored model.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { formatConfusion, round4 } from '../../src/commands/evaluation-report.js'
import { loadConfig } from '../../src/config.js'
import { shuffledSplit } from '../../src/data/split.js'
import { deleteTopics } from '../../src/kafka/admin.js'
import { evaluateTask, type TaskMetrics } from '../../src/ml/task-metrics.js'
import { openModel } from '../../src/registry/open-model.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import type { ResolvedSpec } from '../../src/spec/types.js'
import { CliFailure, runCli } from '../support/cli.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()
const dir = mkdtempSync(join(tmpdir(), 'streamfit-evaluate-spec-'))
const topicsUsed: string[] = []
test.after(async () => {
  rmSync(dir, { recursive: true, force: true })
  await deleteTopics(config.kafka, topicsUsed).catch(() => {})
})

/** A spec file naming unique topics; the test topic has two partitions. */
function writeSpec (name: string, body: Record<string, unknown>): string {
  const topics = { train: { name: `${name}-train` }, test: { name: `${name}-test`, partitions: 2 }, predictions: { name: `${name}-predictions` }, deadLetters: { name: `${name}-dlq` } }
  topicsUsed.push(...Object.values(topics).map(t => t.name))
  const file = join(dir, `${name}.json`)
  writeFileSync(file, JSON.stringify({ name, topics, ...body, model: { type: 'mlp', hidden: [8] } }))
  return file
}

/** The stored model's outputs on rows encoded by `encode`, judged by evaluateTask. */
async function independently (prefix: string, ref: string, rows: Array<Record<string, unknown>>, encode: (spec: ResolvedSpec, row: Record<string, unknown>) => { x: number[], y: number }): Promise<TaskMetrics> {
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix })
  const { runner } = await openModel(registry, ref, { backend: 'wasm' }).finally(() => registry.close())
  try {
    const spec = runner.spec!
    const encoded = rows.map(r => encode(spec, r))
    const xs = Float32Array.from(encoded.flatMap(e => e.x))
    const outputs = await runner.predict(xs, rows.length)
    return evaluateTask(spec.task, outputs, encoded.map(e => e.y), rows.length)
  } finally {
    await runner.close()
  }
}

const oneHot = (vocabulary: string[], value: string): number[] => vocabulary.map(v => v === value ? 1 : 0)

test('multiclass CSV: accuracy, macro-F1, log-loss and the confusion matrix with class names, as evaluateTask gives them', async () => {
  const name = uniqueName('evspec-mc')
  const env = { STREAMFIT_REGISTRY_PREFIX: `streamfit-test:${name}:` }
  const kinds = ['east', 'north', 'west']
  const rows = Array.from({ length: 150 }, (_, i) => {
    const x = ((i * 37) % 100) / 10
    const y = ((i * 53) % 100) / 10
    return { x, y, kind: kinds[(Math.floor(x / 3.4) + (i % 7 === 0 ? 1 : 0)) % 3]! }
  })
  const split = shuffledSplit(rows.length, 0.4, 42)
  const unlabelled = [...split.test][0]! // a held-out row without a label: left out, and said so
  const csv = join(dir, `${name}.csv`)
  writeFileSync(csv, ['x,y,kind', ...rows.map((r, i) => `${r.x},${r.y},${i === unlabelled ? '' : r.kind}`)].join('\n') + '\n')
  const spec = writeSpec(name, {
    format: { type: 'csv', columns: ['x', 'y', 'kind'] },
    label: { column: 'kind' },
    features: [{ name: 'x', type: 'numeric', from: { column: 'x' } }, { name: 'y', type: 'numeric', from: { column: 'y' } }],
    task: { type: 'multiclass' }
  })
  await runCli(['load', '--spec', spec, '--data', csv, '--json'], env)
  await runCli(['train', '--spec', spec, '--epochs', '4', '--batch-size', '16', '--backend', 'wasm', '--seed', '7', '--json'], env, { timeoutMs: 180_000 })

  const json = (await runCli(['evaluate', '--spec', spec, '--backend', 'wasm', '--json'], env)).json
  const text = await runCli(['evaluate', '--spec', spec, '--model', `${name}@1`, '--backend', 'wasm'], env)
  const held = [...split.test].filter(i => i !== unlabelled).map(i => rows[i]!)
  const m = await independently(env.STREAMFIT_REGISTRY_PREFIX, `${name}@1`, held, (s, r) => {
    assert.equal(s.task.type === 'multiclass' && s.task.classes, kinds, 'the classes learnt from the train topic, sorted')
    return { x: [r.x as number, r.y as number], y: kinds.indexOf(r.kind as string) }
  })
  if (m.task !== 'multiclass') throw new Error('not multiclass')
  assert.is(m.rows, held.length)
  assert.equal(json, {
    task: 'multiclass', rows: held.length, accuracy: round4(m.accuracy), macroF1: round4(m.macroF1), loss: round4(m.loss),
    classes: kinds, confusion: m.confusion, model: `${name}@1`, backend: 'wasm', skipped: json.skipped
  })
  assert.is(Object.values(json.skipped as Record<string, number>).reduce((a, b) => a + b, 0), 1, 'the unlabelled row is counted as skipped')
  assert.is(m.confusion.flat().reduce((a, b) => a + b, 0), held.length)
  const [line, ...matrix] = text.stdout.split('\n')
  assert.is(line, `${name}@1 on ${held.length} rows of topic ${name}-test: accuracy ${m.accuracy.toFixed(4)}, macro-F1 ${m.macroF1.toFixed(4)}, log-loss ${m.loss.toFixed(4)} (wasm)`)
  assert.is(matrix.join('\n'), formatConfusion(kinds, m.confusion))
  assert.match(matrix[0]!, /true \\ predicted\s+east\s+north\s+west$/)
  assert.match(text.stderr, /note: left out 1 record of topic .* that do not decode/)
  // models list and prune name the spec's models with --spec.
  const listed = (await runCli(['models', 'list', '--spec', spec, '--json'], env)).stdout.trim().split('\n').map(l => JSON.parse(l) as { ref: string, latest: boolean })
  assert.equal(listed.map(v => [v.ref, v.latest]), [[`${name}@1`, true]])
  assert.match((await runCli(['models', '--spec', spec], env)).stdout, new RegExp(`^${name}@1\\*`, 'm'))
  assert.is((await runCli(['models', 'prune', '--spec', spec, '--keep', '1'], env)).stdout, 'nothing to delete\n')
})

test('regression JSON lines with a categorical feature: RMSE, MAE, R², from the test topic and from --data', async () => {
  const name = uniqueName('evspec-reg')
  const env = { STREAMFIT_REGISTRY_PREFIX: `streamfit-test:${name}:` }
  const regions = ['north', 'south', 'west']
  const rows = Array.from({ length: 120 }, (_, i) => {
    const a = ((i * 29) % 50) / 5
    const b = ((i * 11) % 40) / 8
    const region = regions[i % 3]!
    return { id: `r${i}`, a, b, region, target: 3 * a - 2 * b + (region === 'north' ? 5 : 0) + (i % 5) / 10 }
  })
  const jsonl = join(dir, `${name}.jsonl`)
  writeFileSync(jsonl, rows.map(r => JSON.stringify(r)).join('\n') + '\n')
  const spec = writeSpec(name, {
    format: { type: 'json' },
    label: { field: 'target' },
    id: { field: 'id' },
    features: [
      { name: 'a', type: 'numeric', from: { field: 'a' } },
      { name: 'region', type: 'categorical', from: { field: 'region' } },
      { name: 'b', type: 'numeric', from: { field: 'b' } }
    ],
    task: { type: 'regression' }
  })
  await runCli(['load', '--spec', spec, '--data', jsonl, '--json'], env)
  await runCli(['train', '--spec', spec, '--epochs', '4', '--batch-size', '16', '--backend', 'wasm', '--seed', '7', '--json'], env, { timeoutMs: 180_000 })
  const encode = (s: ResolvedSpec, r: Record<string, unknown>): { x: number[], y: number } => {
    const region = s.features[1]!
    assert.ok(region.type === 'categorical')
    assert.equal(region.vocabulary, regions, 'the vocabulary learnt from the train topic')
    return { x: [r.a as number, ...oneHot(region.vocabulary, r.region as string), r.b as number], y: r.target as number }
  }

  const held = [...shuffledSplit(rows.length, 0.4, 42).test].map(i => rows[i]!)
  const m = await independently(env.STREAMFIT_REGISTRY_PREFIX, `${name}@1`, held, encode)
  if (m.task !== 'regression') throw new Error('not regression')
  const fromTopic = await runCli(['evaluate', '--spec', spec, '--backend', 'wasm', '--json'], env)
  assert.equal(fromTopic.json, { task: 'regression', rows: held.length, rmse: round4(m.rmse), mae: round4(m.mae), r2: round4(m.r2), model: `${name}@1`, backend: 'wasm' })
  const text = await runCli(['evaluate', '--spec', spec, '--backend', 'wasm'], env)
  assert.is(text.stdout, `${name}@1 on ${held.length} rows of topic ${name}-test: RMSE ${m.rmse.toFixed(4)}, MAE ${m.mae.toFixed(4)}, R² ${m.r2.toFixed(4)} (wasm)\n`)

  // The whole file, read as load --spec reads it, against every row.
  const all = await independently(env.STREAMFIT_REGISTRY_PREFIX, `${name}@1`, rows, encode)
  if (all.task !== 'regression') throw new Error('not regression')
  const fromFile = await runCli(['evaluate', '--spec', spec, '--data', jsonl, '--backend', 'wasm', '--json'], env)
  assert.equal(fromFile.json, { task: 'regression', rows: rows.length, rmse: round4(all.rmse), mae: round4(all.mae), r2: round4(all.r2), model: `${name}@1`, backend: 'wasm' })

  // A version that does not exist: a one-line usage error naming it.
  const missing = await runCli(['evaluate', '--spec', spec, '--model', `${name}@9`, '--backend', 'wasm'], env).catch((e: CliFailure) => e)
  assert.ok(missing instanceof CliFailure && missing.exit.code === 2, missing instanceof CliFailure ? missing.exit.stderr : 'it succeeded')
  assert.match(missing.exit.stderr, `no version 9 of model "${name}"`)
})

test.run()
