// Exactly-once scoring in-process against the real broker: complete output, record format,
// dead letters inside the transaction, rewind after a failure, replay after a reset.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { UsageError } from '../../src/errors.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { resetGroupOffsets, groupLag } from '../../src/kafka/group-offsets.js'
import { MODEL_HEADER, parsePrediction } from '../../src/codec/prediction.js'
import { runScore } from '../../topologies/score.js'
import { readByOutcome, summarize, verifyExactlyOnce } from '../support/eos-verifier.js'
import { FixedPredictor, fixedScore } from '../support/fixed-predictor.js'
import { syntheticRow, writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()
const kafka = config.kafka

function topics (): { input: string, predictions: string, dlq: string, group: string, all: string[] } {
  const id = uniqueName('score')
  const t = { input: `${id}-in`, predictions: `${id}-pred`, dlq: `${id}-dlq`, group: `${id}-g` }
  return { ...t, all: [t.input, t.predictions, t.dlq] }
}

test('full batches share a transaction per commit interval, exactly once; a commit interval of 0 gives each batch its own', async () => {
  for (const commitIntervalMs of [100, 0]) {
    const t = topics()
    try {
      // All input is there before the scorer starts, so every batch but the last is full.
      await writeSynthetic(kafka, t.input, 20_000, { partitions: 2, bad: [7] })
      await ensureTopics(kafka, [{ name: t.predictions, partitions: 2 }, { name: t.dlq, partitions: 1 }])
      const result = await runScore({
        kafka, topic: t.input, predictionsTopic: t.predictions, dlqTopic: t.dlq, groupId: t.group, commitIntervalMs,
        predictor: new FixedPredictor('fixed@1'), batchSize: 500, maxWaitMs: 50, streamTimeout: 1500, transactionalId: `${t.group}-tx`
      })
      assert.is(result.records, 20_000)
      assert.ok(result.batches >= 40, `${result.batches} batches`)
      if (commitIntervalMs === 0) assert.is(result.transactions, result.batches)
      else assert.ok(result.transactions <= result.batches / 2, `${result.transactions} transactions for ${result.batches} full batches`)
      const report = await verifyExactlyOnce(kafka, { inputTopic: t.input, predictionsTopic: t.predictions, dlqTopic: t.dlq })
      assert.is(report.duplicates.length + report.missing.length + report.unexpected.length + report.wrongKeys + report.open, 0, summarize(report))
      assert.is(report.outputs, 20_000)
    } finally {
      await deleteTopics(kafka, t.all)
    }
  }
})

test('scores every record exactly once, in the documented format, dead letters in the same transactions', async () => {
  const t = topics()
  try {
    await writeSynthetic(kafka, t.input, 3000, { partitions: 3, bad: [5, 1500] })
    await ensureTopics(kafka, [{ name: t.predictions, partitions: 3 }, { name: t.dlq, partitions: 1 }])
    const result = await runScore({
      kafka, topic: t.input, predictionsTopic: t.predictions, dlqTopic: t.dlq, groupId: t.group,
      predictor: new FixedPredictor('fixed@7'), batchSize: 256, maxWaitMs: 50, commitIntervalMs: 0, streamTimeout: 1500, transactionalId: `${t.group}-tx`
    })
    assert.is(result.records, 3000)
    assert.is(result.predictions, 2998)
    assert.is(result.deadLettered, 2)
    assert.is(result.transactions, result.batches, 'commit interval 0: one transaction per batch')
    assert.is(result.model, 'fixed@7')
    assert.ok(result.batches >= 12, `3000 records in batches of 256 need >= 12 transactions, got ${result.batches}`)

    const report = await verifyExactlyOnce(kafka, { inputTopic: t.input, predictionsTopic: t.predictions, dlqTopic: t.dlq })
    assert.is(report.duplicates.length + report.missing.length + report.unexpected.length + report.wrongKeys + report.open, 0, summarize(report))
    assert.is(report.outputs, 3000)

    // The record format downstream consumers rely on.
    const { committed } = await readByOutcome(kafka, t.predictions)
    const sample = committed.find(r => parsePrediction(r.value).source.offset === 4 && parsePrediction(r.value).source.partition === 1)!
    const p = parsePrediction(sample.value)
    const row = syntheticRow(4 * 3 + 1) // round-robin: partition 1, offset 4 is row 13
    assert.equal(Object.keys(p).sort(), ['label', 'model', 'predicted', 'score', 'scoredAt', 'source'])
    assert.equal(p.source, { topic: t.input, partition: 1, offset: 4 })
    assert.is(sample.key?.toString(), row.key)
    assert.is(p.label, Number(row.key))
    assert.ok(Math.abs(p.score - fixedScore(new Float32Array(row.value.split(',').map(Number)))) < 1e-6)
    assert.is(p.predicted, p.score >= 0.5 ? 1 : 0)
    assert.is(p.model, 'fixed@7')
    assert.is(sample.headers.get(MODEL_HEADER)?.toString(), 'fixed@7')
    assert.ok(!Number.isNaN(Date.parse(p.scoredAt)))

    // Offsets committed with the output: nothing left to read.
    const lag = await groupLag(kafka, t.group)
    assert.equal(lag.map(l => l.lag), [0n, 0n, 0n])
  } finally {
    await deleteTopics(kafka, t.all)
  }
})

test('a failure mid-run aborts and rewinds to the committed offsets: no record lost or repeated', async () => {
  const t = topics()
  try {
    await writeSynthetic(kafka, t.input, 4000, { partitions: 2 })
    await ensureTopics(kafka, [{ name: t.predictions, partitions: 2 }, { name: t.dlq, partitions: 1 }])
    // Fails on its 4th and 9th calls: batches already read past the failure must be re-read.
    const inner = new FixedPredictor('flaky@1')
    const flaky = {
      version: inner.version,
      predict: async (xs: Float32Array, n: number) => {
        const call = inner.calls + 1
        if (call === 4 || call === 9) { inner.calls++; throw new Error(`injected failure on call ${call}`) }
        return inner.predict(xs, n)
      }
    }
    const result = await runScore({
      kafka, topic: t.input, predictionsTopic: t.predictions, dlqTopic: t.dlq, groupId: t.group,
      predictor: flaky, batchSize: 200, maxWaitMs: 50, streamTimeout: 1500, transactionalId: `${t.group}-tx`
    })
    assert.is(result.records, 4000)
    const report = await verifyExactlyOnce(kafka, { inputTopic: t.input, predictionsTopic: t.predictions, dlqTopic: t.dlq })
    assert.is(report.duplicates.length + report.missing.length + report.unexpected.length + report.open, 0, summarize(report))
    assert.is(report.outputs, 4000)
  } finally {
    await deleteTopics(kafka, t.all)
  }
})

test('after a reset to earliest, scoring again writes a complete second set', async () => {
  const t = topics()
  try {
    await writeSynthetic(kafka, t.input, 1000, { partitions: 2 })
    await ensureTopics(kafka, [{ name: t.predictions, partitions: 2 }, { name: t.dlq, partitions: 1 }])
    const run = (): ReturnType<typeof runScore> => runScore({
      kafka, topic: t.input, predictionsTopic: t.predictions, dlqTopic: t.dlq, groupId: t.group,
      predictor: new FixedPredictor(), batchSize: 300, maxWaitMs: 50, streamTimeout: 1000, transactionalId: `${t.group}-tx`
    })
    assert.is((await run()).records, 1000)
    assert.is((await run()).records, 0, 'nothing new to score')
    const plan = await resetGroupOffsets(kafka, t.group, { to: 'earliest' })
    assert.equal(plan.map(p => [p.partition, p.current, p.target]), [[0, 500n, 0n], [1, 500n, 0n]])
    assert.is((await run()).records, 1000)
    const report = await verifyExactlyOnce(kafka, { inputTopic: t.input, predictionsTopic: t.predictions })
    assert.is(report.outputs, 2000)
    assert.is(report.duplicates.length, 1000, 'every input twice: once per pass')
    assert.ok(report.duplicates.every(d => d.count === 2), summarize(report))
    assert.is(report.missing.length + report.open, 0)
  } finally {
    await deleteTopics(kafka, t.all)
  }
})

test('a batch larger than the broker takes in one request (8,192 predictions, ~1.5 MB) commits in one transaction', async () => {
  const t = topics()
  try {
    await writeSynthetic(kafka, t.input, 9000, { partitions: 1 })
    await ensureTopics(kafka, [{ name: t.predictions, partitions: 1 }, { name: t.dlq, partitions: 1 }])
    const result = await runScore({
      kafka, topic: t.input, predictionsTopic: t.predictions, dlqTopic: t.dlq, groupId: t.group,
      predictor: new FixedPredictor('fixed@8'), batchSize: 8192, maxWaitMs: 2000, streamTimeout: 3000, transactionalId: `${t.group}-tx`
    })
    assert.is(result.records, 9000)
    assert.is(result.aborted, 0)
    const report = await verifyExactlyOnce(kafka, { inputTopic: t.input, predictionsTopic: t.predictions, dlqTopic: t.dlq })
    assert.is(report.duplicates.length + report.missing.length + report.unexpected.length + report.wrongKeys + report.open, 0, summarize(report))
  } finally {
    await deleteTopics(kafka, t.all)
  }
})

test('busySeconds is time spent scoring: the gaps of a trickling input are not in it', async () => {
  const t = topics()
  try {
    await writeSynthetic(kafka, t.input, 300, { partitions: 1 })
    await ensureTopics(kafka, [{ name: t.predictions, partitions: 1 }, { name: t.dlq, partitions: 1 }])
    // Two more trickles, each written 1.5 s after everything before it was committed.
    let committed = 0
    const pause = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 1500))
    const trickle = (async () => {
      for (const from of [300, 600]) {
        while (committed < from) await new Promise(resolve => setTimeout(resolve, 20))
        await pause()
        await writeSynthetic(kafka, t.input, 300, { partitions: 1, from })
      }
    })()
    const result = await runScore({
      kafka, topic: t.input, predictionsTopic: t.predictions, dlqTopic: t.dlq, groupId: t.group,
      predictor: new FixedPredictor('fixed@1'), batchSize: 256, maxWaitMs: 50, streamTimeout: 4000, transactionalId: `${t.group}-tx`,
      onBatch: (_batch, totals) => { committed = totals.records }
    })
    await trickle
    assert.is(result.records, 900)
    assert.ok(result.seconds > 3, `wall ${result.seconds} s spans both 1.5 s gaps`)
    // Scoring 900 records takes well under a second; first batch to last commit spans over 3 s.
    assert.ok(result.busySeconds > 0 && result.busySeconds < 1.5, `busySeconds ${result.busySeconds} leaves out 3 s of gaps`)
    assert.ok(Math.abs(result.recordsPerSecond - 900 / result.busySeconds) < 1e-6)
  } finally {
    await deleteTopics(kafka, t.all)
  }
})

test('a missing output topic is a one-line usage error before anything is read, not a retried failure', async () => {
  const t = topics()
  try {
    await writeSynthetic(kafka, t.input, 10, { partitions: 1 })
    await ensureTopics(kafka, [{ name: t.dlq, partitions: 1 }])
    const started = performance.now()
    try {
      await runScore({ kafka, topic: t.input, predictionsTopic: t.predictions, dlqTopic: t.dlq, groupId: t.group, predictor: new FixedPredictor('fixed@1'), streamTimeout: 1000, transactionalId: `${t.group}-tx` })
      assert.unreachable('scoring into a missing topic must fail')
    } catch (error) {
      assert.instance(error, UsageError)
      assert.match((error as Error).message, new RegExp(`topic ${t.predictions} does not exist`))
    }
    assert.ok(performance.now() - started < 10_000, 'fails at start, without the retry backoff')
  } finally {
    await deleteTopics(kafka, t.all)
  }
})

test.run()
