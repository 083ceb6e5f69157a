// The trainer and the online learner as services, like the scorer in service-score.test.ts:
// with --metrics-port they serve their training metrics while they run, and SIGTERM ends them
// with exit code 0 and their normal result (the trainer after the epoch in hand, the online
// learner after the mini-batch in hand).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'
import { lastJson, startCli, type CliProcess } from '../support/cli.js'
import { dropRegistry } from '../support/stored-model.js'
import { freePort, waitFor, withTimeout } from '../support/wait.js'
import { sample } from '../support/prometheus.js'

const config = loadConfig()
const id = uniqueName('svc-apps')
const prefix = `${id}:`
const topics = { train: `${id}-train`, dlq: `${id}-dlq` }
const env = { STREAMFIT_TRAIN_TOPIC: topics.train, STREAMFIT_DLQ_TOPIC: topics.dlq, STREAMFIT_REGISTRY_PREFIX: prefix }
const ROWS = 2000

test.before(async () => {
  await ensureTopics(config.kafka, [{ name: topics.dlq, partitions: 1 }])
  await writeSynthetic(config.kafka, topics.train, ROWS, { partitions: 1 })
})

test.after(async () => {
  await deleteTopics(config.kafka, Object.values(topics))
  await dropRegistry(prefix)
})

async function metricsOf (port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
}

async function terminate (p: CliProcess): Promise<number | null> {
  p.child.kill('SIGTERM')
  const { code } = await withTimeout(p.exited, 60_000, `${p.name} to exit after SIGTERM`)
  return code
}

test('train --metrics-port: loss and accuracy per epoch in /metrics; SIGTERM stops it after the epoch in hand, exit 0', async () => {
  const port = await freePort()
  const trainer = startCli('train', ['train', '--epochs', '500', '--backend', 'wasm', '--metrics-port', String(port), '--json'], env)
  try {
    const body = await waitFor('an epoch in /metrics', async () => {
      const text = await metricsOf(port)
      return sample(text, 'streamfit_training_loss', 'app="train"') !== undefined ? text : undefined
    }, { timeoutMs: 120_000, everyMs: 250 })
    const loss = sample(body, 'streamfit_training_loss', 'app="train"')!
    const accuracy = sample(body, 'streamfit_training_accuracy', 'app="train"')!
    assert.ok(loss > 0 && Number.isFinite(loss), `loss ${loss}`)
    assert.ok(accuracy >= 0 && accuracy <= 1, `accuracy ${accuracy}`)
    assert.is((await fetch(`http://127.0.0.1:${port}/health`)).status, 200)
    assert.is(await terminate(trainer), 0, trainer.stderr().slice(-2000))
    const result = lastJson(trainer.stdout())
    assert.ok(typeof result.epochs === 'number' && result.epochs >= 1 && result.epochs < 500, `stopped early: ${JSON.stringify(result)}`)
  } finally {
    trainer.child.kill('SIGKILL')
  }
})

test('online --metrics-port --stream-timeout -1: records, prequential accuracy and model version in /metrics; SIGTERM saves and exits 0', async () => {
  const port = await freePort()
  const learner = startCli('online', ['online', '--group', `${id}-o`, '--stream-timeout', '-1', '--backend', 'wasm', '--metrics-port', String(port), '--json'], env)
  try {
    const body = await waitFor('every row counted in /metrics', async () => {
      const text = await metricsOf(port)
      return sample(text, 'streamfit_records_in_total', `app="online",topic="${topics.train}"`) === ROWS ? text : undefined
    }, { timeoutMs: 180_000, everyMs: 500 })
    const accuracy = sample(body, 'streamfit_training_accuracy', 'app="online"')
    assert.ok(accuracy !== undefined && accuracy > 0 && accuracy <= 1, `prequential accuracy ${accuracy}`)
    assert.match(body, /streamfit_model_version\{app="online",model="[^"]+"\} \d+/)
    assert.is(learner.child.exitCode, null, 'still running: -1 never times out')
    assert.is(await terminate(learner), 0, learner.stderr().slice(-2000))
    const result = lastJson(learner.stdout())
    assert.is(result.rows, ROWS)
  } finally {
    learner.child.kill('SIGKILL')
  }
})

test.run()
