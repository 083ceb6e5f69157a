// The fault-injection soak: 200,000 records scored while the scorer is SIGKILLed at random 12
// times, the broker is SIGKILLed and restarted once and Redis is SIGKILLed and restarted once;
// meanwhile an online learner trains on its own topic and is SIGKILLed twice. Private broker
// and Redis (own ports and data), so the kills touch nothing else. Judged by independent readers:
// - every input exactly once in the committed predictions (test/support/eos-verifier.ts, which
//   applies the transaction markers itself), and aborted predictions exist (the kills were real);
// - streamfit's own read_committed source (fromPartition) sees exactly the committed predictions;
// - the learner's versions' ranges tile its topic exactly (no row trained twice, none skipped);
// - the registry still holds every version saved before the Redis kill.
// Bounded: about 5-7 minutes on a quiet 2-core machine.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, map, toArray } from 'rxjs'
import { loadConfig, type Config, type KafkaConfig } from '../../src/config.js'
import { ensureTopics } from '../../src/kafka/admin.js'
import { startKafka, stopKafka } from '../../src/infra/kafka-broker.js'
import { kafkaPaths } from '../../src/infra/paths.js'
import { startRedis, stopRedis } from '../../src/infra/redis-server.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { fromPartition } from '../../src/sources/partition.js'
import { readByOutcome, summarize, verifyExactlyOnce } from '../support/eos-verifier.js'
import { assertLineageTiles, spawnOnline, type OnlineChild, type OnlineFixture } from '../support/online.js'
import { freePort, freePortPair } from '../support/wait.js'
import { committedCount, sleep, startScorer, waitForOpenTransaction, type ScorerProcess } from '../support/scorer-process.js'
import { storeTestModel } from '../support/stored-model.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'

const shared = loadConfig()
const TOTAL = 200_000
const PARTITIONS = 4
const TRAIN_ROWS = 12_000
const SCORER_KILLS = 12
const log = (message: string): void => { if (process.env.DEBUG_SOAK) console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}`) }

test('soak: 12 scorer kills, a broker kill, a Redis kill and 2 learner kills: exactly once, lineage tiles, registry intact', async () => {
  const kafkaPort = await freePortPair()
  const redisPort = await freePort()
  const redisDir = mkdtempSync(join(tmpdir(), 'streamfit-soak-redis-'))
  const stateDir = shared.stateDir
  const kafka: KafkaConfig = { ...shared.kafka, brokers: [`127.0.0.1:${kafkaPort}`] }
  const redisUrl = `redis://127.0.0.1:${redisPort}`
  const config: Config = { ...shared, kafka, redisUrl }
  const startBroker = (): Promise<unknown> => startKafka({ stateDir, port: kafkaPort, heap: '512m' })
  const startCache = (): Promise<unknown> => startRedis({ stateDir: redisDir, port: redisPort })
  await Promise.all([startBroker(), startCache()])

  const id = uniqueName('soak')
  const env = { brokers: kafka.brokers.join(','), redisUrl, registryPrefix: `soak:${id}:`, input: `${id}-in`, predictions: `${id}-pred`, dlq: `${id}-dlq` }
  const group = `${id}-g`
  const learnerFixture: OnlineFixture = { config, topic: `${id}-train`, dlq: `${id}-train-dlq`, prefix: env.registryPrefix, group: `${id}-online` }
  let scorer: ScorerProcess | undefined
  let learner: OnlineChild | undefined
  try {
    await writeSynthetic(kafka, env.input, TOTAL, { partitions: PARTITIONS, bad: [11, 123_457] })
    await writeSynthetic(kafka, learnerFixture.topic, TRAIN_ROWS, { partitions: 1 })
    await ensureTopics(kafka, [{ name: env.predictions, partitions: PARTITIONS }, { name: env.dlq, partitions: 1 }, { name: learnerFixture.dlq, partitions: 1 }])
    await storeTestModel(redisUrl, env.registryPrefix)

    const scorerArgs = ['--group', group, '--transactional-id', `${group}-tx`, '--batch-size', '500', '--max-wait-ms', '50',
      '--session-timeout', '6000', '--stream-timeout', '-1', '--backend', 'wasm']
    const learnerArgs = ['--max-records', '128', '--save-every', '2', '--stream-timeout', '-1']
    let scorerDeaths = 0
    let learnerDeaths = 0
    // Whatever ends a process that we did not kill (a broker or Redis outage it did not ride
    // out), it is restarted: the judges below decide whether anything was lost or doubled.
    const ensureScorer = async (): Promise<ScorerProcess> => {
      if (scorer === undefined || scorer.child.exitCode !== null || scorer.child.signalCode !== null) {
        if (scorer !== undefined && scorer.child.signalCode !== 'SIGKILL') { scorerDeaths++; log(`scorer ended by itself: ${(await scorer.exited).stderr.slice(-300)}`) }
        scorer = startScorer(env, scorerArgs)
      }
      return scorer
    }
    const ensureLearner = async (): Promise<OnlineChild> => {
      if (learner === undefined || learner.process.exitCode !== null || learner.process.signalCode !== null) {
        if (learner !== undefined && learner.process.signalCode !== 'SIGKILL') { learnerDeaths++; log(`learner ended by itself: ${learner.stderr().slice(-300)}`) }
        learner = spawnOnline(learnerFixture, learnerArgs)
      }
      return learner
    }
    const waitForCommitted = async (count: number): Promise<number> => {
      const deadline = Date.now() + 180_000
      for (;;) {
        await ensureScorer()
        await ensureLearner()
        const done = await committedCount(kafka, group, env.input)
        if (done >= count) return done
        if (Date.now() > deadline) throw new Error(`no progress to ${count} records within 180 s (at ${done})`)
        await sleep(200)
      }
    }

    let versionsBeforeRedisKill: string[] = []
    for (let i = 0; i < SCORER_KILLS; i++) {
      // Somewhere in the next slice of the run, at a random point.
      const target = Math.floor(TOTAL * (0.04 + 0.07 * i + Math.random() * 0.04))
      const at = await waitForCommitted(target)
      if (!(await waitForOpenTransaction(kafka, env.predictions, 1500).catch(() => false))) await sleep(Math.random() * 300)
      scorer!.child.kill('SIGKILL')
      await scorer!.exited
      log(`scorer kill ${i + 1} at ${at}`)
      if (i === 2 || i === 8) {
        learner!.kill('SIGKILL')
        await learner!.result
        log(`learner kill at ${i}`)
      }
      if (i === 4) {
        assert.ok(await stopKafka({ stateDir, port: kafkaPort, signal: 'SIGKILL', graceMs: 10_000 }), 'the private broker was ours to kill')
        await sleep(2000)
        await startBroker()
        log('broker killed and restarted')
      }
      if (i === 6) {
        const registry = await ModelRegistry.connect({ url: redisUrl, prefix: env.registryPrefix })
        versionsBeforeRedisKill = (await registry.list('susy')).map(v => `${v.ref}:${v.bytes}:${v.createdAt}`)
        await registry.close()
        assert.ok(await stopRedis({ stateDir: redisDir, port: redisPort, signal: 'SIGKILL' }), 'the private Redis was ours to kill')
        await sleep(1000)
        await startCache()
        log(`redis killed and restarted with ${versionsBeforeRedisKill.length} versions saved before`)
      }
    }

    // The last scorer and learner run to the end (both stop after a quiet stream).
    if (scorer !== undefined && scorer.child.exitCode === null && scorer.child.signalCode === null) {
      scorer.child.kill('SIGKILL')
      await scorer.exited
    }
    if (learner !== undefined && learner.process.exitCode === null && learner.process.signalCode === null) {
      // The running learner hands over to one that stops on a quiet stream.
      learner.kill('SIGKILL')
      await learner.result
    }
    const remaining = startScorer(env, [...scorerArgs.slice(0, -4), '--stream-timeout', '8000', '--backend', 'wasm'])
    const lastLearner = spawnOnline(learnerFixture, [...learnerArgs.slice(0, -2), '--stream-timeout', '8000', '--json'])
    await remaining.result()
    const learnt = await lastLearner.result
    assert.is(learnt.code, 0, learnt.stderr.slice(-2000))
    log(`scorer deaths not by our hand: ${scorerDeaths}; learner: ${learnerDeaths}`)

    // 1. Every input exactly once in the committed predictions.
    const report = await verifyExactlyOnce(kafka, { inputTopic: env.input, predictionsTopic: env.predictions, dlqTopic: env.dlq })
    log(summarize(report))
    assert.is(report.inputs, TOTAL)
    assert.is(report.duplicates.length + report.missing.length + report.unexpected.length + report.wrongKeys + report.open, 0, summarize(report))
    assert.is(report.outputs, TOTAL)
    assert.ok(report.aborted > 0, `aborted predictions exist: the kills hit open transactions (${summarize(report)})`)

    // 2. streamfit's own read_committed source sees exactly the committed predictions.
    const committed = (await readByOutcome(kafka, env.predictions)).committed.map(r => `${r.partition}:${r.offset}`).sort()
    let seen: string[] = []
    for (let partition = 0; partition < PARTITIONS; partition++) {
      seen = seen.concat(await lastValueFrom(fromPartition({ topic: env.predictions, partition, kafka }).pipe(map(r => `${r.partition}:${r.offset}`), toArray())))
    }
    assert.is(seen.length, committed.length, 'fromPartition delivers as many predictions as were committed')
    assert.equal(seen.sort(), committed, 'and exactly those: no aborted prediction')

    // 3. The learner's versions tile its topic exactly.
    await assertLineageTiles(learnerFixture, TRAIN_ROWS)

    // 4. The registry holds every version saved before the Redis kill, as it was.
    assert.ok(versionsBeforeRedisKill.length > 1, 'versions were saved before the Redis kill')
    const registry = await ModelRegistry.connect({ url: redisUrl, prefix: env.registryPrefix })
    const now = new Set((await registry.list('susy')).map(v => `${v.ref}:${v.bytes}:${v.createdAt}`))
    await registry.close()
    assert.equal(versionsBeforeRedisKill.filter(v => !now.has(v)), [], 'no version saved before the Redis kill is missing')
  } finally {
    for (const p of [scorer?.child, learner?.process]) if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
    await stopKafka({ stateDir, port: kafkaPort, signal: 'SIGKILL', graceMs: 10_000 }).catch(() => false)
    await stopRedis({ stateDir: redisDir, port: redisPort, signal: 'SIGKILL' }).catch(() => false)
    rmSync(resolve(kafkaPaths(stateDir, kafkaPort).dir), { recursive: true, force: true })
    rmSync(redisDir, { recursive: true, force: true })
  }
})

test.run()
