// Exactly-once across a broker crash: a PRIVATE broker (own port, own data directory, started
// with src/infra's startKafka) is killed with SIGKILL while a scorer process is mid-run, then
// started again on the same data. The scorer rides it out (abort, replace its producer, re-read
// from the committed offsets) and the independent verifier finds every input exactly once.
// About 1 minute (two broker start-ups).
import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig, type KafkaConfig } from '../../src/config.js'
import { ensureTopics } from '../../src/kafka/admin.js'
import { startKafka, stopKafka } from '../../src/infra/kafka-broker.js'
import { kafkaPaths } from '../../src/infra/paths.js'
import { summarize, verifyExactlyOnce } from '../support/eos-verifier.js'
import { freePortPair } from '../support/wait.js'
import { scorerEnv, sleep, startScorer, waitForProgress } from '../support/scorer-process.js'
import { dropTestModels, storeTestModel } from '../support/stored-model.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()

test('the broker is killed and restarted mid-run: every input scored exactly once', async () => {
  const port = await freePortPair()
  // The jars come from the usual state dir (fetched by `streamfit up`); data lives in kafka-<port>.
  const stateDir = config.stateDir
  const dataDir = kafkaPaths(stateDir, port).dir
  const kafka: KafkaConfig = { ...config.kafka, brokers: [`127.0.0.1:${port}`] }
  await startKafka({ stateDir, port, heap: '512m' })
  try {
    const id = uniqueName('eosb')
    const env = scorerEnv(id, kafka.brokers.join(','), config.redisUrl)
    const total = 40_000
    const group = `${id}-g`
    await writeSynthetic(kafka, env.input, total, { partitions: 4 })
    await ensureTopics(kafka, [{ name: env.predictions, partitions: 4 }, { name: env.dlq, partitions: 1 }])
    await storeTestModel(env.redisUrl, env.registryPrefix)

    const scorer = startScorer(env, ['--group', group, '--transactional-id', `${group}-tx`, '--batch-size', '200', '--max-wait-ms', '50',
      '--session-timeout', '6000', '--stream-timeout', '8000', '--backend', 'wasm'])
    const down = await waitForProgress(kafka, group, env.input, Math.floor(total * (0.15 + Math.random() * 0.15)), scorer, 120_000)
    assert.ok(await stopKafka({ stateDir, port, signal: 'SIGKILL', graceMs: 10_000 }), 'the private broker was ours to kill')
    await sleep(3000)
    await startKafka({ stateDir, port, heap: '512m' })

    const result = await scorer.result()
    const report = await verifyExactlyOnce(kafka, { inputTopic: env.input, predictionsTopic: env.predictions, dlqTopic: env.dlq })
    assert.is(report.inputs, total)
    assert.is(report.duplicates.length + report.missing.length + report.unexpected.length + report.wrongKeys + report.open, 0, summarize(report))
    assert.is(report.outputs, total)
    assert.is(Number(result.records), total, `the one scorer committed everything (broker went down at ${down})`)
    await dropTestModels(env.redisUrl, env.registryPrefix)
  } finally {
    await stopKafka({ stateDir, port, signal: 'SIGKILL', graceMs: 10_000 }).catch(() => false)
    rmSync(resolve(dataDir), { recursive: true, force: true })
  }
})

test.run()
