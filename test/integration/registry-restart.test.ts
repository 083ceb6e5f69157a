// The model registry survives its Redis being killed: the redis-server `streamfit up` starts
// appends and fsyncs every write (AOF), so a SIGKILL right after a save loses nothing. Runs a
// private Redis on a free port with up's own start function, kills it, starts it again.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedis, stopRedis } from '../../src/infra/redis-server.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { freePort } from '../support/wait.js'
import { SMALL_MODEL } from '../support/stored-model.js'

test('versions saved just before a SIGKILL of up\'s Redis are all there after it restarts', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'streamfit-redis-restart-'))
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  const runner = await ModelRunner.create({ backend: 'cpu', seed: 3, model: SMALL_MODEL })
  const snapshot = await runner.snapshot()
  await runner.close()
  try {
    await startRedis({ stateDir, port })
    let registry = await ModelRegistry.connect({ url, prefix: 'restart:' })
    const saved: string[] = []
    for (let i = 0; i < 5; i++) saved.push((await registry.save({ name: 'susy', snapshot, backend: 'cpu', rows: i, epochs: 1 })).ref)
    await registry.close()
    // No grace: whatever Redis had not written to disk is gone.
    assert.ok(await stopRedis({ stateDir, port, signal: 'SIGKILL' }), 'the private Redis was ours to kill')
    await startRedis({ stateDir, port })
    registry = await ModelRegistry.connect({ url, prefix: 'restart:' })
    try {
      assert.equal((await registry.list('susy')).map(v => v.ref), saved)
      const last = await registry.load('susy@latest')
      assert.is(last.ref, saved.at(-1))
      assert.equal(Buffer.from(last.snapshot.weights), Buffer.from(snapshot.weights), 'the weights came back byte for byte')
    } finally {
      await registry.close()
    }
  } finally {
    await stopRedis({ stateDir, port, signal: 'SIGKILL' }).catch(() => false)
    rmSync(stateDir, { recursive: true, force: true })
  }
})

test.run()
