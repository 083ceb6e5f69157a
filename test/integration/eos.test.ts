// Exactly-once under hard failures, judged by an independent reader (test/support/eos-verifier.ts)
// that applies the transaction markers itself: every input (topic, partition, offset) has exactly
// one committed prediction, and nothing else was committed.
//
// The scorer runs as a real process (`node bin/streamfit.js score`), with a real model from the
// Redis registry, against the real broker. About 1.5 minutes.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { summarize, verifyExactlyOnce } from '../support/eos-verifier.js'
import { assignments, committedCount, scorerEnv, sleep, startScorer, waitForMembers, waitForOpenTransaction, waitForPartitionsProgress, waitForProgress, type ScorerEnv, type ScorerProcess } from '../support/scorer-process.js'
import { dropTestModels, storeTestModel } from '../support/stored-model.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()
const kafka = config.kafka

async function setup (records: number, partitions: number): Promise<ScorerEnv & { group: string, topics: string[] }> {
  const id = uniqueName('eos')
  const env = { ...scorerEnv(id, kafka.brokers.join(','), config.redisUrl), group: `${id}-g` }
  await writeSynthetic(kafka, env.input, records, { partitions, bad: [17, 60_001] })
  await ensureTopics(kafka, [{ name: env.predictions, partitions }, { name: env.dlq, partitions: 1 }])
  await storeTestModel(env.redisUrl, env.registryPrefix)
  return { ...env, topics: [env.input, env.predictions, env.dlq] }
}

test('SIGKILLed at random moments 6 times during a 100,000-record run and restarted: every input scored exactly once', async () => {
  const total = 100_000
  // The first 20,000 rows are there from the start; the rest arrive at about 10,000 rows/s while the
  // scorers are killed, as a live input would. The scorer now outruns a fixed input: it used to
  // finish the last slice (73-79% of the rows to the end) before the sixth kill could follow.
  const head = 20_000
  const env = await setup(head, 4)
  const feeding = feed(env.input, head, total)
  const args = ['--group', env.group, '--transactional-id', `${env.group}-tx`, '--batch-size', '500', '--max-wait-ms', '50',
    '--session-timeout', '6000', '--stream-timeout', '3000', '--backend', 'wasm']
  try {
    const kills: number[] = []
    for (let i = 0; i < 6; i++) {
      const t0 = Date.now()
      const scorer = startScorer(env, args)
      // Kill somewhere in the next slice of the run: after some progress, at a random delay.
      const target = Math.floor(total * (0.08 + 0.13 * i + Math.random() * 0.06))
      const at = await waitForProgress(kafka, env.group, env.input, target, scorer)
      // Then at the next moment a transaction is open with predictions in the log (or at a random
      // moment if none shows within 2 s): the kill leaves records that must never be committed.
      if (!(await waitForOpenTransaction(kafka, env.predictions, 2000))) await sleep(Math.random() * 300)
      scorer.child.kill('SIGKILL')
      const exit = await scorer.exited
      assert.is(exit.signal, 'SIGKILL', `scorer ${i} should die by SIGKILL, exited ${exit.code}: ${exit.stderr.slice(-500)}`)
      kills.push(at)
      if (process.env.DEBUG_EOS) console.log(`kill ${i} at ${at} after ${Date.now() - t0} ms`)
    }
    const committedBeforeLast = await committedCount(kafka, env.group, env.input)
    assert.ok(committedBeforeLast < total, `the kills happened mid-run (committed ${committedBeforeLast} of ${total})`)
    await feeding
    const last = await startScorer(env, args).result()
    assert.is(Number(last.records), total - committedBeforeLast, 'the last run scores exactly what was left')

    const report = await verifyExactlyOnce(kafka, { inputTopic: env.input, predictionsTopic: env.predictions, dlqTopic: env.dlq })
    if (process.env.DEBUG_EOS) console.log(summarize(report))
    assert.is(report.inputs, total)
    assert.is(report.duplicates.length, 0, summarize(report))
    assert.is(report.missing.length, 0, summarize(report))
    assert.is(report.unexpected.length + report.wrongKeys + report.open, 0, summarize(report))
    assert.is(report.outputs, total)
    // read_uncommitted view: the killed scorers' open transactions did write predictions, and
    // they were aborted (by the restarted scorer fencing its predecessor), never committed.
    assert.ok(report.aborted > 0, `aborted prediction records must exist after SIGKILLs: ${summarize(report)} (kills at ${kills.join(', ')})`)
  } finally {
    await feeding.catch(() => {})
    await deleteTopics(kafka, env.topics)
    await dropTestModels(env.redisUrl, env.registryPrefix)
  }
})

/** Writes rows `from` to `to`, 2,500 at a time with 250 ms between (at most 10,000 rows/s); row 60,001 is bad. */
async function feed (topic: string, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += 2500) {
    await writeSynthetic(kafka, topic, Math.min(2500, to - start), { partitions: 4, from: start, bad: [60_001] })
    await sleep(250)
  }
}

test('two scorers share the group while partitions move between them: exactly once', async () => {
  const total = 60_000
  const env = await setup(total, 6)
  const common = ['--group', env.group, '--batch-size', '200', '--max-wait-ms', '50', '--session-timeout', '6000', '--backend', 'wasm']
  const idA = `${env.group}-a`
  const idB = `${env.group}-b`
  // A commits each 50-record batch alone (--commit-interval-ms 0): slow enough to be mid-input when
  // B has started and joined (alone, A would finish 60,000 records in a few seconds). B gathers
  // batches into a transaction per commit interval (the default). Both ways share the group.
  const a = startScorer(env, [...common, '--batch-size', '50', '--commit-interval-ms', '0', '--transactional-id', idA, '--stream-timeout', '4000'])
  let b: ScorerProcess | undefined
  let b2: ScorerProcess | undefined
  try {
    await waitForProgress(kafka, env.group, env.input, 1_000, a)
    // B joins: a rebalance moves half of A's partitions to B while A is mid-transaction.
    b = startScorer(env, [...common, '--transactional-id', idB, '--stream-timeout', '-1'])
    await waitForMembers(kafka, env.group, 2)
    const held = (await assignments(kafka, env.group)).get(idB) ?? []
    assert.ok(held.length > 0, 'B holds partitions')
    await waitForPartitionsProgress(kafka, env.group, env.input, held)
    // B stops gracefully (commits its last batch, leaves the group): its partitions move back to A.
    b.child.kill('SIGTERM')
    const bResult = await b.result()
    assert.ok(Number(bResult.records) > 0, `B scored part of the input: ${JSON.stringify(bResult)}`)
    // B comes back (same static member id) and runs to the end alongside A.
    b2 = startScorer(env, [...common, '--transactional-id', idB, '--stream-timeout', '4000'])
    const [aResult, b2Result] = await Promise.all([a.result(), b2.result()])
    assert.ok(Number(aResult.records) > 0)
    // A stream timeout may end both during a rebalance with records left (tutorial semantics:
    // "quiet for N ms" includes a rebalance's pause); whatever is left is scored by a last run.
    const left = total - await committedCount(kafka, env.group, env.input)
    const sweep = left > 0 ? await startScorer(env, [...common, '--transactional-id', idA, '--stream-timeout', '3000']).result() : { records: 0 }
    assert.is(Number(sweep.records), left)
    assert.is(Number(aResult.records) + Number(bResult.records) + Number(b2Result.records) + left, total, 'the scorers\' committed records add up to the input')

    const report = await verifyExactlyOnce(kafka, { inputTopic: env.input, predictionsTopic: env.predictions, dlqTopic: env.dlq })
    assert.is(report.inputs, total)
    assert.is(report.duplicates.length + report.missing.length + report.unexpected.length + report.open, 0, summarize(report))
    assert.is(report.outputs, total)
  } finally {
    for (const p of [a, b, b2]) if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
    await deleteTopics(kafka, env.topics)
    await dropTestModels(env.redisUrl, env.registryPrefix)
  }
})

test.run()
