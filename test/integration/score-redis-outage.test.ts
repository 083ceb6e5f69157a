// Redis going away under a running `streamfit score`: the scorer keeps scoring with the model it
// holds (no prediction lost, none with another version), says so in one log line, and says
// once more when Redis answers again. A private Redis (up's own start function, on a free port)
// is SIGKILLed and restarted; the broker is the shared real one.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { startRedis, stopRedis } from '../../src/infra/redis-server.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { parsePrediction } from '../../src/codec/prediction.js'
import { startCli } from '../support/cli.js'
import { readByOutcome } from '../support/eos-verifier.js'
import { writeSynthetic } from '../support/synthetic.js'
import { freePort, waitFor } from '../support/wait.js'
import { uniqueName } from '../support/names.js'

const { kafka } = loadConfig()
const PHASE = 400

test('the scorer keeps scoring with its model while Redis is down, and logs the outage once', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'streamfit-redis-outage-'))
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  const input = uniqueName('outage-in')
  const predictions = uniqueName('outage-out')
  const dlq = uniqueName('outage-dlq')
  let scorer: ReturnType<typeof startCli> | undefined
  try {
    await startRedis({ stateDir, port })
    const runner = await ModelRunner.create({ backend: 'wasm', seed: 5 })
    const registry = await ModelRegistry.connect({ url, prefix: 'outage:' })
    const saved = await registry.save({ snapshot: await runner.snapshot(), backend: runner.backend, rows: 0, epochs: 0 })
    await registry.close()
    await runner.close()
    await ensureTopics(kafka, [{ name: input, partitions: 2 }, { name: predictions, partitions: 2 }, { name: dlq, partitions: 1 }])

    scorer = startCli('score', ['score', '--group', uniqueName('outage-g'), '--stream-timeout', '-1', '--batch-size', '100', '--backend', 'wasm', '--log-format', 'json'], {
      REDIS_URL: url, STREAMFIT_REGISTRY_PREFIX: 'outage:', STREAMFIT_TEST_TOPIC: input, STREAMFIT_PREDICTIONS_TOPIC: predictions, STREAMFIT_DLQ_TOPIC: dlq
    })
    const committed = async (n: number): Promise<boolean> => (await readByOutcome(kafka, predictions)).committed.length >= n
    await writeSynthetic(kafka, input, PHASE, { partitions: 2 })
    await waitFor('phase 1 scored', () => committed(PHASE), { timeoutMs: 90_000, everyMs: 500 })

    assert.ok(await stopRedis({ stateDir, port, signal: 'SIGKILL' }), 'the private Redis was ours to kill')
    // Rows written while Redis is down: scored all the same, by the model in hand.
    await writeSynthetic(kafka, input, PHASE, { partitions: 2 })
    await waitFor('phase 2 scored with Redis down', () => committed(2 * PHASE), { timeoutMs: 90_000, everyMs: 500 })
    // Long enough for ioredis to have retried many times: still one line.
    await new Promise(resolve => setTimeout(resolve, 3000))
    const outageLines = (): string[] => scorer!.stderr().split('\n').filter(l => l.includes('unreachable'))
    assert.is(outageLines().length, 1, `one outage line:\n${scorer.stderr()}`)
    const line = JSON.parse(outageLines()[0]!) as { level: number, msg: string }
    assert.is(line.level, 40)
    assert.match(line.msg, new RegExp(`registry at ${url} unreachable .*still scoring with ${saved.ref}`))
    assert.is(scorer.child.exitCode, null, 'the scorer is still running')

    await startRedis({ stateDir, port })
    await waitFor('the scorer to see Redis again', () => scorer!.stderr().includes('answers again'), { timeoutMs: 30_000 })

    const out = (await readByOutcome(kafka, predictions)).committed
    assert.is(out.length, 2 * PHASE)
    const inputs = new Set(out.map(r => { const p = parsePrediction(r.value); return `${p.source.partition}@${p.source.offset}` }))
    assert.is(inputs.size, 2 * PHASE, 'every input scored once')
    assert.ok(out.every(r => parsePrediction(r.value).model === saved.ref), `every prediction by ${saved.ref}`)

    scorer.child.kill('SIGTERM')
    const { code } = await scorer.exited
    assert.is(code, 0, scorer.stderr())
  } finally {
    if (scorer !== undefined && scorer.child.exitCode === null) { scorer.child.kill('SIGKILL'); await scorer.exited }
    await stopRedis({ stateDir, port, signal: 'SIGKILL' }).catch(() => false)
    rmSync(stateDir, { recursive: true, force: true })
    await deleteTopics(kafka, [input, predictions, dlq])
  }
})

test.run()
