// The scorer as a service, run as a child process the way a deployment runs it:
// `streamfit score --metrics-port P --stream-timeout -1` serves streamfit_ metrics while it
// runs, and a SIGTERM ends it with exit code 0 after its last transaction; a second signal
// exits at once. Judged by the independent exactly-once verifier.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { verifyExactlyOnce, summarize } from '../support/eos-verifier.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'
import { startCli } from '../support/cli.js'
import { dropRegistry, saveSeededModel } from '../support/stored-model.js'
import { freePort, waitFor, withTimeout } from '../support/wait.js'
import { sample } from '../support/prometheus.js'

const config = loadConfig()
const id = uniqueName('svc-score')
const topics = { in: `${id}-in`, out: `${id}-out`, dlq: `${id}-dlq` }
const prefix = `${id}:`
const env = {
  STREAMFIT_TEST_TOPIC: topics.in,
  STREAMFIT_PREDICTIONS_TOPIC: topics.out,
  STREAMFIT_DLQ_TOPIC: topics.dlq,
  STREAMFIT_REGISTRY_PREFIX: prefix
}
const ROWS = 3000
let model = ''

test.before(async () => {
  await ensureTopics(config.kafka, [{ name: topics.out, partitions: 2 }, { name: topics.dlq, partitions: 1 }])
  await writeSynthetic(config.kafka, topics.in, ROWS, { partitions: 2 })
  model = await saveSeededModel(prefix)
})

test.after(async () => {
  await deleteTopics(config.kafka, Object.values(topics))
  await dropRegistry(prefix)
})

test('a scorer with --metrics-port serves streamfit_ metrics while it runs and exits 0 on SIGTERM', async () => {
  const port = await freePort()
  const scorer = startCli('scorer', ['score', '--group', `${id}-g`, '--metrics-port', String(port), '--stream-timeout', '-1', '--batch-size', '500', '--json'], env)
  try {
    const url = `http://127.0.0.1:${port}`
    // Metrics while running: every record in, predictions out, transactions, model in use.
    const body = await waitFor('all records counted in /metrics', async () => {
      const text = await (await fetch(`${url}/metrics`)).text()
      return sample(text, 'streamfit_records_in_total', `app="score",topic="${topics.in}"`) === ROWS ? text : undefined
    }, { timeoutMs: 90_000, everyMs: 250 })
    assert.is(sample(body, 'streamfit_records_out_total', `app="score",topic="${topics.out}"`), ROWS)
    // Full batches of 500 share transactions (one per commit interval): at least one, at most one per batch.
    const committedTransactions = sample(body, 'streamfit_transactions_total', 'app="score",outcome="committed"') ?? 0
    assert.ok(committedTransactions >= 1 && committedTransactions <= Math.ceil(ROWS / 500), `${committedTransactions} transactions`)
    assert.is(sample(body, 'streamfit_model_version', `app="score",model="${model}"`), 1)
    assert.match(body, /streamfit_batch_duration_seconds_bucket\{le="[\d.]+",app="score"\}/)
    assert.match(body, /streamfit_process_cpu_seconds_total/)
    const health = await fetch(`${url}/health`)
    assert.is(health.status, 200)
    assert.equal(await health.json(), { status: 'ok' })
    // Lag per partition, polled from the group's committed offsets: drops to zero once all is scored.
    await waitFor('lag gauges at 0 for both partitions', async () => {
      const text = await (await fetch(`${url}/metrics`)).text()
      return [0, 1].every(p => sample(text, 'streamfit_consumer_lag', `app="score",topic="${topics.in}",partition="${p}"`) === 0)
    }, { timeoutMs: 30_000, everyMs: 500 })
    // Still running: --stream-timeout -1 never ends by itself.
    assert.is(scorer.child.exitCode, null)

    scorer.child.kill('SIGTERM')
    const { code, signal } = await withTimeout(scorer.exited, 20_000, 'scorer to exit after SIGTERM')
    assert.is(signal, null)
    assert.is(code, 0, `exit code after SIGTERM, stderr:\n${scorer.stderr().slice(-2000)}`)
    const result = JSON.parse(scorer.stdout().trim().split('\n').pop()!) as { records: number, model: string, transactions: number }
    assert.is(result.records, ROWS)
    assert.is(result.transactions, committedTransactions, 'the metric counts each shared transaction once')
    assert.is(result.model, model)
    // Structured logs on stderr: JSON lines with a level, the start and the stop.
    const logs = scorer.stderr().split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as { level: number, msg: string, name: string })
    assert.ok(logs.some(l => l.msg === 'score started' && l.level === 30 && l.name === 'score'))
    assert.ok(logs.some(l => l.msg === 'score stopped'))
    let refused = false
    try { await fetch(`${url}/metrics`) } catch { refused = true }
    assert.ok(refused, 'metrics port closed after exit')
  } finally {
    scorer.child.kill('SIGKILL')
  }
  const report = await verifyExactlyOnce(config.kafka, { inputTopic: topics.in, predictionsTopic: topics.out, dlqTopic: topics.dlq })
  assert.is(report.inputs, ROWS)
  assert.ok(report.duplicates.length === 0 && report.missing.length === 0 && report.unexpected.length === 0 && report.wrongKeys === 0, summarize(report))
})

test('a second signal exits at once with code 130', async () => {
  const scorer = startCli('scorer2', ['score', '--group', `${id}-g2`, '--stream-timeout', '-1'], env)
  try {
    await waitFor('scorer started', () => scorer.stderr().includes('"msg":"score started"'), { timeoutMs: 60_000 })
    // Two different signals: two SIGTERMs sent back to back may be merged into one by the kernel.
    scorer.child.kill('SIGTERM')
    scorer.child.kill('SIGINT')
    const { code } = await withTimeout(scorer.exited, 10_000, 'exit after two signals')
    assert.is(code, 130)
  } finally {
    scorer.child.kill('SIGKILL')
  }
})

test.run()
