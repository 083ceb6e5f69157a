// `streamfit models` as a user runs it, against the real Redis: `delete susy@latest` names the
// version it deleted, and a scorer's model that follows @latest follows the deletion backwards
// (it must not keep stamping predictions with a deleted version).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { HotSwapPredictor } from '../../src/registry/hot-swap.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { runCli } from '../support/cli.js'
import { dropRegistry, saveSeededModel } from '../support/stored-model.js'
import { waitFor } from '../support/wait.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()

test('models delete susy@latest names the version, and a model following latest rolls back to the previous one', async () => {
  const prefix = `${uniqueName('models-cli')}:`
  const env = { STREAMFIT_REGISTRY_PREFIX: prefix }
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix })
  let model: HotSwapPredictor | undefined
  try {
    const v1 = await saveSeededModel(prefix, 1)
    const v2 = await saveSeededModel(prefix, 2)
    model = await HotSwapPredictor.start({ registry, model: 'susy@latest', backend: 'wasm' })
    assert.is(model.current().version, v2)

    const deleted = await runCli(['models', 'delete', 'susy@latest'], env)
    assert.is(deleted.stdout, `deleted ${v2} (was susy@latest); latest is now ${v1}\n`)

    // The next batch after the deletion is scored by v1, and stays so.
    await waitFor(`the scorer's model to roll back to ${v1}`, () => model!.current().version === v1, { timeoutMs: 30_000 })
    await new Promise(resolve => setTimeout(resolve, 300))
    assert.is(model.current().version, v1)

    // A later save is followed forwards again.
    const v3 = await saveSeededModel(prefix, 3)
    await waitFor(`the scorer's model to follow ${v3}`, () => model!.current().version === v3, { timeoutMs: 30_000 })

    // Deleting a version that is not the latest changes nothing for the scorer.
    const older = await runCli(['models', 'delete', v1], env)
    assert.is(older.stdout, `deleted ${v1}; latest is now ${v3}\n`)
    await new Promise(resolve => setTimeout(resolve, 300))
    assert.is(model.current().version, v3)
  } finally {
    await model?.close()
    await registry.close()
    await dropRegistry(prefix)
  }
})

test.run()
