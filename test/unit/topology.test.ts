// Topologies describe what they run: the description is written from the settings a run with
// the same flags uses, defaults filled from the topology's own defaults.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { describeApp } from '../../src/commands/describe.js'
import { loadConfig } from '../../src/config.js'
import { UsageError } from '../../src/errors.js'
import { formatSavePolicy, parseSavePolicy } from '../../src/online/save-policy.js'
import { validateTopology } from '../../src/runtime/describe.js'
import { withDefaults } from '../../src/runtime/topology.js'
import { scoreDefaults, scoreTopology } from '../../topologies/score.js'
import { onlineDefaults } from '../../topologies/online.js'
import { trainDefaults } from '../../topologies/train.js'

const CLI = fileURLToPath(new URL('../../../bin/streamfit.js', import.meta.url))
const config = loadConfig({})

test('withDefaults takes what is given, defaults the rest, and drops keys it does not know', () => {
  assert.equal(withDefaults({ a: 1, b: 'x' }, { b: 'y', c: 3 } as { b: string }), { a: 1, b: 'y' })
  assert.equal(withDefaults({ a: 1 }, { a: undefined }), { a: 1 })
})

test('score settings: the transactional id follows the group unless given', () => {
  const input = { topic: 't', predictionsTopic: 'p', dlqTopic: 'd' }
  const s = scoreTopology.settings({ ...input, groupId: 'g' })
  assert.is(s.groupId, 'g')
  assert.is(s.batchSize, scoreDefaults.batchSize)
  assert.match(s.transactionalId, /^streamfit-score-g-/)
  assert.is(scoreTopology.settings({ ...input, transactionalId: 'mine' }).transactionalId, 'mine')
})

test('describe score with flags shows the group and batch size a run with them uses', async () => {
  const d = await describeApp('score', config, ['--group', 'g', '--batch-size', '2048'])
  assert.is(d.steps[0]!.detail?.includes('group g,'), true, d.steps[0]!.detail)
  assert.match(d.steps[1]!.detail ?? '', /^2048 records or 100 ms$/)
  const defaults = await describeApp('score', config)
  assert.match(defaults.steps[0]!.detail ?? '', new RegExp(`group ${scoreDefaults.groupId},`))
  await describeApp('score', config, ['--batch-size', '0']).then(() => assert.unreachable('batch size 0 accepted'), (e: Error) => assert.instance(e, UsageError))
  await describeApp('score', config, ['--no-such-flag']).then(() => assert.unreachable('unknown flag accepted'), (e: Error) => assert.instance(e, UsageError))
})

test('describe train with flags shows the epochs, patience and model a run with them uses', async () => {
  const d = await describeApp('train', config, ['--epochs', '3', '--patience', '0', '--batch-size', '128', '--from', 'other@2'])
  const step = (name: string): string => d.steps.find(s => s.name === name)?.detail ?? ''
  // A continued version keeps its stored dropout; the weight average applies to any run.
  assert.match(step('trainBatches'), /^up to 3 epochs, weight average 0\.99 validated and saved, Adam, continuing other@2,/)
  assert.is(step('batch'), '128 rows')
  assert.equal(d.steps.find(s => s.name === 'registry.save')!.stores, [`redis:${config.registryPrefix}model:other`])
  const defaults = await describeApp('train', config)
  assert.match(defaults.steps.find(s => s.name === 'trainBatches')!.detail ?? '', new RegExp(`^up to ${trainDefaults.epochs} epochs, early stopping \\(patience ${trainDefaults.patience}, best weights kept\\), dropout 0\\.3/0\\.5/0\\.5, weight average 0\\.99 validated and saved,`))
  const tutorial = await describeApp('train', config, ['--epochs', '10', '--patience', '0', '--validation-fraction', '0', '--dropout', '0.2,0.4,0.4', '--weight-average', '0'])
  assert.match(tutorial.steps.find(s => s.name === 'trainBatches')!.detail ?? '', /^up to 10 epochs, dropout 0\.2\/0\.4\/0\.4, Adam,/, 'the tutorial\'s run is one set of flags away')
  for (const bad of [['--dropout', '0.2,0.4'], ['--dropout', '0.2,0.4,1'], ['--weight-average', '1']]) {
    await describeApp('train', config, bad).then(() => assert.unreachable(`${bad.join(' ')} accepted`), (e: Error) => assert.instance(e, UsageError))
  }
  await describeApp('train', config, ['--validation-fraction', '1']).then(() => assert.unreachable('fraction 1 accepted'), (e: Error) => assert.instance(e, UsageError))
})

test('describe online with flags shows the group, mini-batch and save policy a run with them uses', async () => {
  const d = await describeApp('online', config, ['--group', 'g', '--max-records', '100', '--save-every', '5', '--epochs-per-batch', '2', '--learning-rate', '0.01'])
  const step = (name: string): string => d.steps.find(s => s.name === name)?.detail ?? ''
  assert.match(step('fromGroupBatches'), /^group g, one mini-batch per poll \(<= 100 rows\)/)
  assert.match(step('fit'), /; 2 epochs at Adam 0\.01;/)
  assert.match(step('saveVersion'), /, every 5 mini-batches, and at stop$/)
  const defaults = await describeApp('online', config)
  assert.match(defaults.steps[0]!.detail ?? '', new RegExp(`^group ${onlineDefaults.groupId}, .*<= ${onlineDefaults.maxRecords} rows`))
  assert.match(defaults.steps.find(s => s.name === 'saveVersion')!.detail ?? '', /every 10 mini-batches or 30 s/)
  assert.match(defaults.steps.find(s => s.name === 'predict')!.detail ?? '', /in steps of 32 rows \(16 for a model under 20,000 weights\), each scored before it is fitted/)
  const eight = await describeApp('online', config, ['--group', 'g', '--step', '8'])
  assert.match(eight.steps.find(s => s.name === 'predict')!.detail ?? '', /in steps of 8 rows, each scored before it is fitted/)
  assert.match(defaults.steps.find(s => s.name === 'fit')!.detail ?? '', /a new model 6 epochs over its first 1000 rows, then 3 epochs at 3× its spec's rate, standardising its features; its first 300 rows \(a model under 20,000 weights\) in steps of 4 at 2× that rate;/)
  const fixed = await describeApp('online', config, ['--fast-start', '100,2,3'])
  assert.match(fixed.steps.find(s => s.name === 'fit')!.detail ?? '', /; its first 100 rows in steps of 2 at 3× that rate;/)
  assert.not.match((await describeApp('online', config, ['--fast-start', '0'])).steps.find(s => s.name === 'fit')!.detail ?? '', /first \d+ rows in steps/)
  await describeApp('online', config, ['--fast-start', '100,2']).then(() => assert.unreachable('--fast-start without a factor accepted'), (e: Error) => assert.instance(e, UsageError))
  const whole = await describeApp('online', config, ['--step', '0', '--warmup', '0'])
  assert.match(whole.steps.find(s => s.name === 'predict')!.detail ?? '', /the whole mini-batch before fitting it/)
  assert.match(whole.steps.find(s => s.name === 'fit')!.detail ?? '', /a new model 3 epochs at 3× its spec's rate/)
  await describeApp('online', config, ['--warmup', '1000']).then(() => assert.unreachable('--warmup without epochs accepted'), (e: Error) => assert.instance(e, UsageError))
  const drift = defaults.steps.find(s => s.name === 'detectDrift')!.detail ?? ''
  const dd = onlineDefaults.drift
  assert.match(drift, new RegExp(`^for a model under 20,000 weights, a CUSUM on each row's prequential error.*false alarms at most about once per ${dd.falseAlarmRows} rows.*on a drift: for ${dd.refitRows} rows, each step fitted with the rows since the detection \\(the last ${dd.refitWindow}\\)`))
  assert.match(drift, new RegExp(`; for a larger one, Page-Hinkley .*threshold ${dd.threshold}, delta ${dd.delta}\\); on a drift: for ${dd.boostRows} rows, ${dd.boostEpochs} epochs per step at the learning rate \\(at least ${dd.boostFloor}\\)`))
  const tuned = await describeApp('online', config, ['--drift-threshold', '20', '--drift-delta', '0.1', '--drift-action', 'reset'])
  assert.match(tuned.steps.find(s => s.name === 'detectDrift')!.detail ?? '', /threshold 20, delta 0\.1\); on a drift: a fresh Adam at the same learning rate/)
  assert.is((await describeApp('online', config, ['--drift', 'off'])).steps.find(s => s.name === 'detectDrift')!.detail, 'off')
  await describeApp('online', config, ['--drift', 'adwin']).then(() => assert.unreachable('unknown detector accepted'), (e: Error) => assert.instance(e, UsageError))
  await describeApp('online', config, ['--group', '']).then(() => assert.unreachable('empty group accepted'), (e: Error) => assert.instance(e, UsageError))
})

test('`streamfit describe score --group g --batch-size 2048 --json` reports g and 2048', () => {
  const out = execFileSync(process.execPath, [CLI, 'describe', 'score', '--group', 'g', '--batch-size', '2048', '--json'], { encoding: 'utf8' })
  const d = JSON.parse(out) as { steps: Array<{ name: string, detail?: string }> }
  assert.match(d.steps.find(s => s.name === 'fromGroup')!.detail ?? '', /^group g,/)
  for (const step of d.steps) assert.ok((step.detail ?? '').length > 0, `${step.name} has a detail in --json`)
  assert.match(d.steps.find(s => s.name === 'batch')!.detail ?? '', /^2048 records/)
})

test('every step of every app has a detail, SUSY\'s layout and a spec\'s alike (describe --json promises one per step)', async () => {
  const spec = fileURLToPath(new URL('../../../specs/cars.yaml', import.meta.url))
  for (const app of ['train', 'score', 'online']) {
    for (const args of [[], ['--spec', spec]]) {
      const d = await describeApp(app, config, args)
      for (const step of d.steps) assert.ok(typeof step.detail === 'string' && step.detail.length > 0, `${app} ${args.join(' ')}: ${step.name} has no detail`)
    }
  }
  const score = await describeApp('score', config)
  assert.match(score.steps.find(s => s.name === 'decodeCsv')!.detail, /^SUSY bytes: label 0\/1 from the key \(optional/)
  assert.match(score.steps.find(s => s.name === 'predict')!.detail, /score, predicted, label, source, model, scoredAt$/)
  const cars = await describeApp('score', config, ['--spec', spec])
  assert.match(cars.steps.find(s => s.name === 'decodeRecords(json)')!.detail, /^spec cars: JSON values, \d+ features, regression label from field /)
  assert.match(cars.steps.find(s => s.name === 'predict')!.detail, /value, label/)
  // A topology file that leaves one out fails its description, not a user's reading of it.
  const bare = { name: 'x', guarantee: 'none' as const, steps: [{ kind: 'source' as const, name: 's', detail: 'd' }, { kind: 'sink' as const, name: 'k' }] }
  assert.throws(() => validateTopology(bare as Parameters<typeof validateTopology>[0]), /step k has no detail/)
})

test('the --save-every default is the online topology\'s default policy', () => {
  assert.is(formatSavePolicy(onlineDefaults.savePolicy), '10,30s')
  assert.equal(parseSavePolicy(formatSavePolicy(onlineDefaults.savePolicy)), onlineDefaults.savePolicy)
  assert.is(formatSavePolicy({ everyBatches: Infinity, everyMs: 500 }), '500ms')
})

test.run()
