// Lineage in the registry: an online learner continuing a stored version (here one made as
// `train` makes them, with no online lineage) records it as the parent of what it saves, and
// `models list` shows it (a PARENT column, and `parent` in --json).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { runCli } from '../support/cli.js'
import { runOnlineCli, startOnlineFixture, stopFixtures } from '../support/online.js'
import { storeTestModel } from '../support/stored-model.js'

const config = loadConfig()

test.after(stopFixtures)

test('online continuing susy@1 saves susy@2 with parent susy@1; models list shows the lineage', async () => {
  const f = await startOnlineFixture(config, 'lineage', 600)
  const first = await storeTestModel(config.redisUrl, f.prefix)
  assert.is(first, 'susy@1')
  const run = await runOnlineCli(f, ['--stream-timeout', '2000', '--json', '--save-every', '1000'])
  assert.is(run.code, 0, run.stderr)
  assert.is(run.json.resumedFrom, 'susy@1')
  assert.equal(run.json.versions, ['susy@2'])

  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix: f.prefix })
  try {
    const saved = await registry.list('susy')
    assert.equal(saved.map(v => [v.ref, v.info.parent ?? null]), [['susy@1', null], ['susy@2', 'susy@1']])
  } finally {
    await registry.close()
  }

  const env = { REDIS_URL: config.redisUrl, STREAMFIT_REGISTRY_PREFIX: f.prefix }
  const json = await runCli(['models', 'list', '--json'], env)
  const rows = json.stdout.trim().split('\n').map(line => JSON.parse(line) as { ref: string, parent: string | null })
  assert.equal(rows.map(r => [r.ref, r.parent]), [['susy@1', null], ['susy@2', 'susy@1']])

  const text = (await runCli(['models', 'list'], env)).stdout.split('\n')
  assert.match(text[0]!, /^VERSION\s+PARENT\s+CREATED/)
  assert.match(text.find(l => l.startsWith('susy@1 '))!, /^susy@1\s+-\s/)
  assert.match(text.find(l => l.startsWith('susy@2'))!, /^susy@2\*\s+susy@1\s/)
})

test.run()
