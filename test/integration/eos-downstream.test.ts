// A downstream streamfit stage reading susy-predictions meets aborted transactions: the scorer
// upstream fails batches two and three times in a row (STREAMFIT_FAIL), so one producer writes
// aborted transactions back to back. A second scorer reads its predictions with streamfit's
// read_committed source: its output (predictions, here dead letters, since a prediction is not a
// CSV row; each carries its source's topic, partition and offset) must cover every committed
// prediction of the first stage exactly once and no aborted one. Judged by the independent
// verifier (test/support/eos-verifier.ts), which applies the markers itself. About 40 s.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { readByOutcome, summarize, verifyExactlyOnce } from '../support/eos-verifier.js'
import { startScorer } from '../support/scorer-process.js'
import { dropTestModels, storeTestModel } from '../support/stored-model.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()
const kafka = config.kafka

test('a scorer whose batches fail twice and three times in a row feeds a second scorer: every committed prediction once, no aborted one', async () => {
  const total = 6_000
  const id = uniqueName('eos-down')
  const first = { brokers: kafka.brokers.join(','), redisUrl: config.redisUrl, registryPrefix: `streamfit-test:${id}:`, input: `${id}-in`, predictions: `${id}-pred`, dlq: `${id}-dlq` }
  const second = { ...first, input: first.predictions, predictions: `${id}-pred2`, dlq: `${id}-dlq2` }
  const topics = [first.input, first.predictions, first.dlq, second.predictions, second.dlq]
  await writeSynthetic(kafka, first.input, total, { partitions: 1 })
  await ensureTopics(kafka, [{ name: first.predictions, partitions: 1 }, { name: first.dlq, partitions: 1 }, { name: second.predictions, partitions: 1 }, { name: second.dlq, partitions: 1 }])
  await storeTestModel(first.redisUrl, first.registryPrefix)
  // One transaction per batch (--commit-interval-ms 0), so the injected failures fall on known
  // transaction attempts: 7 of them, 2 and 3 in a row.
  const common = ['--batch-size', '200', '--max-wait-ms', '50', '--commit-interval-ms', '0', '--session-timeout', '6000', '--stream-timeout', '3000', '--backend', 'wasm']
  try {
    const upstream = await startScorer(first, ['--group', `${id}-g1`, '--transactional-id', `${id}-tx1`, ...common],
      { STREAMFIT_FAIL: 'after-send@3x2,9x3,20x2' }).result()
    assert.is(Number(upstream.records), total)
    assert.is(Number(upstream.aborted), 7, 'seven injected failures, each an aborted transaction')
    const written = await readByOutcome(kafka, first.predictions)
    assert.ok(written.aborted.length >= 7 * 200, `aborted predictions are in the log (${written.aborted.length})`)
    assert.is(written.committed.length, total)

    const downstream = await startScorer(second, ['--group', `${id}-g2`, '--transactional-id', `${id}-tx2`, ...common]).result()
    const report = await verifyExactlyOnce(kafka, { inputTopic: second.input, predictionsTopic: second.predictions, dlqTopic: second.dlq })
    assert.is(report.inputs, total)
    assert.is(report.unexpected.length, 0, `no aborted prediction reached the second stage: ${summarize(report)}`)
    assert.is(report.duplicates.length + report.missing.length + report.wrongKeys + report.open, 0, summarize(report))
    assert.is(report.outputs, total)
    assert.is(Number(downstream.records), total, 'the second stage read exactly the committed predictions')
  } finally {
    await deleteTopics(kafka, topics)
    await dropTestModels(first.redisUrl, first.registryPrefix)
  }
})

test.run()
