// Three public data sets nobody here wrote, one per task, end to end through the CLI against the
// real broker and Redis: init (the spec inferred from the file) → load → train → score exactly
// once → online. Kafka's Java read_committed consumer referees the scoring: every record of the
// test topic has exactly one prediction or one dead letter, and each prediction has its task's shape.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { PACKAGE_ROOT } from '../../src/infra/paths.js'
import { deleteTopics, endOffsets } from '../../src/kafka/admin.js'
import { readSpec } from '../../src/spec/load-spec.js'
import { runCli } from '../support/cli.js'
import { javaReadCommitted } from '../support/java-referee.js'

const kafka = loadConfig().kafka
const brokers = kafka.brokers.join(',')
const dir = mkdtempSync(join(tmpdir(), 'streamfit-datasets-'))
const suffix = `${process.pid.toString(36)}${Date.now().toString(36)}`
const topics: string[] = []

interface Case {
  file: string
  label: string
  task: 'binary' | 'multiclass' | 'regression'
  /** What the trained model must reach on the held-out rows (a floor far above chance). */
  good: (figures: Record<string, number>) => string | null
}

const CASES: Record<string, Case> = {
  // CSV with a header, 9 numeric features, is_phishing 0/1 (River's Phishing, UCI).
  phishing: { file: 'data/phishing.csv.gz', label: 'is_phishing', task: 'binary', good: f => f.valAuc! > 0.85 ? null : `validation AUC ${f.valAuc} <= 0.85` },
  // CSV with a header, 5 weather classes (vega_datasets' seattle-weather, NOAA): the majority class is 44%.
  weather: { file: 'data/seattle-weather.csv', label: 'weather', task: 'multiclass', good: f => f.valAccuracy! > 0.6 ? null : `validation accuracy ${f.valAccuracy} <= 0.6` },
  // JSON lines with a categorical Origin and null Horsepowers and labels (vega_datasets' cars, StatLib).
  cars: { file: 'data/cars.jsonl', label: 'Miles_per_Gallon', task: 'regression', good: f => f.valR2! > 0.6 ? null : `validation R² ${f.valR2} <= 0.6` }
}

for (const [tag, c] of Object.entries(CASES)) {
  test(`${tag} (${c.task}): init, load, train, score exactly once, online`, async () => {
    const name = `ds-${tag}-${suffix}`
    const spec = join(dir, `${name}.spec.yaml`)
    const data = join(PACKAGE_ROOT, c.file)
    const env = { STREAMFIT_REGISTRY_PREFIX: `streamfit-test:${name}:` }
    const init = await runCli(['init', '--data', data, '--label', c.label, '--name', name, '--out', spec, '--json'], env)
    assert.is(init.json.spec, spec, 'init names the spec it wrote')
    const parsed = await readSpec(spec)
    assert.is(parsed.task.type, c.task, 'init decided the task from the label column')
    const t = parsed.topics
    topics.push(t.train.name, t.test.name, t.predictions.name, t.deadLetters.name)

    const load = await runCli(['load', '--spec', spec, '--data', data, '--json'], env)
    const trainRows = load.json[t.train.name] as number
    const testRows = load.json[t.test.name] as number
    assert.ok(trainRows > 0 && testRows > 0, `load split the rows: ${JSON.stringify(load.json)}`)

    const train = await runCli(['train', '--spec', spec, '--epochs', '40', '--learning-rate', '0.003', '--batch-size', '32', '--backend', 'wasm', '--seed', '7', '--json'], env, { timeoutMs: 300_000 })
    assert.is(train.json.model, `${name}@1`)
    const problem = c.good(train.json as Record<string, number>)
    assert.is(problem, null, problem ?? '')

    const score = await runCli(['score', '--spec', spec, '--group', `${name}-score`, '--stream-timeout', '3000', '--backend', 'wasm', '--json'], env, { timeoutMs: 180_000 })
    assert.is(score.json.records, testRows, 'every test record committed')
    assert.is((score.json.predictions as number) + (score.json.deadLettered as number), testRows)

    // The referee: each input offset of the test topic once, in a prediction or a dead letter.
    const predictions = (await javaReadCommitted(brokers, t.predictions.name)).map(line => JSON.parse(line.split(' ').slice(2).join(' ')) as Record<string, unknown>)
    const deadLetters = await javaReadCommitted(brokers, t.deadLetters.name, undefined, { headers: true })
    const seen = new Map<string, number>()
    const count = (key: string): void => { seen.set(key, (seen.get(key) ?? 0) + 1) }
    for (const p of predictions) {
      const source = p.source as { topic: string, partition: number, offset: number }
      assert.is(source.topic, t.test.name)
      count(`${source.partition}:${source.offset}`)
      assertShape(c.task, p, parsed.task.type === 'multiclass' ? parsed.task.classes ?? [] : [])
      assert.is('id' in p, parsed.id !== undefined, 'an id only when the spec names one')
    }
    for (const line of deadLetters) {
      const h = Object.fromEntries(line.slice(line.lastIndexOf(' headers=') + 9).split(',').map(kv => kv.split('=')))
      if (h['streamfit.source.topic'] === t.test.name) count(`${h['streamfit.source.partition']}:${h['streamfit.source.offset']}`)
    }
    const ends = await endOffsets(kafka, t.test.name)
    const expected = Object.values(ends).reduce((s, e) => s + Number(e), 0)
    assert.is(expected, testRows)
    assert.is(seen.size, expected, 'every test record has a prediction or a dead letter')
    assert.ok([...seen.values()].every(n => n === 1), 'none twice')

    const online = await runCli(['online', '--spec', spec, '--stream-timeout', '3000', '--backend', 'wasm', '--json'], env, { timeoutMs: 180_000 })
    assert.is(online.json.resumedFrom, `${name}@1`, 'online continues the trained version')
    assert.is((online.json.rows as number) + (online.json.deadLettered as number), trainRows, 'online learnt every train record once (or dead-lettered it)')
    assert.is(online.json.model, `${name}@2`)
    const figure = { binary: 'prequentialAuc', multiclass: 'prequentialMacroF1', regression: 'prequentialRmse' }[c.task]
    assert.ok(typeof online.json[figure] === 'number' && Number.isFinite(online.json[figure]), `online reports ${figure}: ${JSON.stringify(online.json)}`)
  })
}

/** Each task's prediction record: a probability, a class with probabilities, or a value. */
function assertShape (task: Case['task'], p: Record<string, unknown>, classes: string[]): void {
  if (task === 'binary') {
    assert.ok(typeof p.score === 'number' && p.score >= 0 && p.score <= 1, `a probability: ${JSON.stringify(p)}`)
    assert.is(p.predicted, (p.score as number) >= 0.5 ? 1 : 0)
  } else if (task === 'multiclass') {
    const probabilities = p.probabilities as Record<string, number>
    assert.equal(Object.keys(probabilities), classes, 'one probability per class, in class order')
    const sum = Object.values(probabilities).reduce((a, b) => a + b, 0)
    assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to 1 (${sum})`)
    assert.ok(classes.includes(p.class as string))
  } else {
    assert.ok(typeof p.value === 'number' && Number.isFinite(p.value), `a value: ${JSON.stringify(p)}`)
  }
}

test.after(async () => {
  await deleteTopics(kafka, topics).catch(() => {})
  rmSync(dir, { recursive: true, force: true })
})

test.run()
