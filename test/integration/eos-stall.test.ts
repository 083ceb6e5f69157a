// A batch that stalls longer than the transaction timeout: the broker aborts the transaction and
// bumps the producer's epoch, and the scorer's next request meets INVALID_PRODUCER_EPOCH. That
// is not fencing (no other instance took the transactional id): the scorer replaces its
// producer, re-reads from the committed offsets and goes on; every input scored exactly once.
// About 45 s (the stall outlives the 10 s timeout plus the broker's 10 s abort check).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { summarize, verifyExactlyOnce } from '../support/eos-verifier.js'
import { startScorer, waitForProgress } from '../support/scorer-process.js'
import { dropTestModels, storeTestModel } from '../support/stored-model.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()
const kafka = config.kafka

test('a batch stalled past the transaction timeout: the producer is replaced, not fenced; exactly once', async () => {
  const total = 3_000
  const id = uniqueName('eos-stall')
  const env = { brokers: kafka.brokers.join(','), redisUrl: config.redisUrl, registryPrefix: `streamfit-test:${id}:`, input: `${id}-in`, predictions: `${id}-pred`, dlq: `${id}-dlq` }
  await writeSynthetic(kafka, env.input, total, { partitions: 2 })
  await ensureTopics(kafka, [{ name: env.predictions, partitions: 2 }, { name: env.dlq, partitions: 1 }])
  await storeTestModel(env.redisUrl, env.registryPrefix)
  try {
    const scorer = startScorer(env, ['--group', `${id}-g`, '--transactional-id', `${id}-tx`, '--batch-size', '200', '--max-wait-ms', '50',
      '--session-timeout', '60000', '--stream-timeout', '3000', '--backend', 'wasm'], { STREAMFIT_STALL: 'after-send@1:25000', STREAMFIT_LOG_LEVEL: 'info' })
    const exit = await scorer.exited
    assert.is(exit.code, 0, `not fenced: the scorer went on and ended normally (exit ${exit.code}): ${exit.stderr.slice(-3000)}`)
    assert.match(exit.stderr, /rejected this producer's epoch \((INVALID_PRODUCER_EPOCH|PRODUCER_FENCED)\)/)
    assert.match(exit.stderr, /producer replaced, re-reading from the committed offsets/)
    const result = await scorer.result()
    assert.is(Number(result.records), total)
    const report = await verifyExactlyOnce(kafka, { inputTopic: env.input, predictionsTopic: env.predictions, dlqTopic: env.dlq })
    assert.is(report.duplicates.length + report.missing.length + report.unexpected.length + report.open, 0, summarize(report))
    assert.is(report.outputs, total)
    assert.ok(report.aborted > 0, `the stalled transaction's predictions were aborted: ${summarize(report)}`)
  } finally {
    await deleteTopics(kafka, [env.input, env.predictions, env.dlq])
    await dropTestModels(env.redisUrl, env.registryPrefix)
  }
})

test('a second live instance with the same transactional id: the first stops with exit 3 (fenced); exactly once', async () => {
  const total = 40_000
  const id = uniqueName('eos-fence')
  const env = { brokers: kafka.brokers.join(','), redisUrl: config.redisUrl, registryPrefix: `streamfit-test:${id}:`, input: `${id}-in`, predictions: `${id}-pred`, dlq: `${id}-dlq` }
  await writeSynthetic(kafka, env.input, total, { partitions: 2 })
  await ensureTopics(kafka, [{ name: env.predictions, partitions: 2 }, { name: env.dlq, partitions: 1 }])
  await storeTestModel(env.redisUrl, env.registryPrefix)
  // Small transactions, one per batch (--commit-interval-ms 0), keep the first instance busy until the second starts.
  const args = ['--group', `${id}-g`, '--transactional-id', `${id}-tx`, '--batch-size', '100', '--max-wait-ms', '50', '--commit-interval-ms', '0', '--session-timeout', '10000', '--stream-timeout', '4000', '--backend', 'wasm']
  try {
    const first = startScorer(env, args)
    await waitForProgress(kafka, `${id}-g`, env.input, 2_000, first)
    const second = startScorer(env, args)
    const exit = await first.exited
    assert.is(exit.code, 3, `the first instance is fenced (exit ${exit.code ?? exit.signal}): ${exit.stderr.slice(-1500)}`)
    assert.match(exit.stderr, /fenced: another instance started with transactional id/)
    await second.result()
    const report = await verifyExactlyOnce(kafka, { inputTopic: env.input, predictionsTopic: env.predictions, dlqTopic: env.dlq })
    assert.is(report.duplicates.length + report.missing.length + report.unexpected.length + report.open, 0, summarize(report))
    assert.is(report.outputs, total)
  } finally {
    await deleteTopics(kafka, [env.input, env.predictions, env.dlq])
    await dropTestModels(env.redisUrl, env.registryPrefix)
  }
})

test.run()
