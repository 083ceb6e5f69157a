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
import { withDefaults } from '../../src/runtime/topology.js'
import { scoreDefaults, scoreTopology } from '../../topologies/score.js'
import { onlineDefaults } from '../../topologies/online.js'

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

test('`streamfit describe score --group g --batch-size 2048 --json` reports g and 2048', () => {
  const out = execFileSync(process.execPath, [CLI, 'describe', 'score', '--group', 'g', '--batch-size', '2048', '--json'], { encoding: 'utf8' })
  const d = JSON.parse(out) as { steps: Array<{ name: string, detail?: string }> }
  assert.match(d.steps.find(s => s.name === 'fromGroup')!.detail ?? '', /^group g,/)
  assert.match(d.steps.find(s => s.name === 'batch')!.detail ?? '', /^2048 records/)
})

test('the --save-every default is the online topology\'s default policy', () => {
  assert.is(formatSavePolicy(onlineDefaults.savePolicy), '10,30s')
  assert.equal(parseSavePolicy(formatSavePolicy(onlineDefaults.savePolicy)), onlineDefaults.savePolicy)
  assert.is(formatSavePolicy({ everyBatches: Infinity, everyMs: 500 }), '500ms')
})

test.run()
