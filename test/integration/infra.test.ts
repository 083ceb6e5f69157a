// The launcher: probes, and `up` / `down` on ports and a state dir of their own, so the broker and
// Redis the other tests use are never touched. (Pid files and the jar fetch: unit/launcher.)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { rejects } from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { startKafka, stopKafka } from '../../src/infra/kafka-broker.js'
import { kafkaJarsPresent } from '../../src/infra/kafka-jars.js'
import { kafkaPaths, kafkaLibsDir } from '../../src/infra/paths.js'
import { isOurProcess, readPid } from '../../src/infra/pidfile.js'
import { kafkaAnswers, redisAnswers } from '../../src/infra/probe.js'
import { down } from '../../src/infra/services.js'
import { withAdmin } from '../../src/kafka/admin.js'
import { CliFailure, runCli } from '../support/cli.js'
import { freePortPair } from '../support/wait.js'

const shared = loadConfig() // what the other tests use: must still answer at the end
const state = mkdtempSync(join(tmpdir(), 'streamfit-up-'))

let kafkaPort = 0
let redisPort = 0
let env: Record<string, string> = {}

test.before(async () => {
  kafkaPort = await freePortPair()
  redisPort = await freePortPair()
  env = { KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, REDIS_URL: `redis://127.0.0.1:${redisPort}`, STREAMFIT_HOME: state }
  // The jars are fetched once per state dir; share the ones already fetched instead of a second Maven run.
  const libs = kafkaLibsDir(shared.stateDir)
  if (kafkaJarsPresent(shared.stateDir)) {
    mkdirSync(join(state, 'kafka_2.13-4.1.1'), { recursive: true })
    spawnSync('cp', ['-r', libs, kafkaLibsDir(state)])
  }
})

test.after(async () => {
  await down(loadConfig({ ...process.env, ...env }), { all: true }).catch(() => {})
  rmSync(state, { recursive: true, force: true })
})

test('probes tell a Kafka broker and a Redis apart from each other and from nothing', async () => {
  assert.ok((await kafkaAnswers(shared.kafka)) ?? 0 >= 1, 'the shared broker answers a metadata request')
  assert.ok(await redisAnswers(shared.redisUrl))
  const redisPortShared = Number(new URL(shared.redisUrl).port || 6379)
  assert.is(await kafkaAnswers({ brokers: [`127.0.0.1:${redisPortShared}`], clientId: 't' }, 1000), null, 'Redis is not a broker')
  assert.is(await redisAnswers(`redis://${shared.kafka.brokers[0]}`, 1000), false, 'a broker is not Redis')
  assert.is(await kafkaAnswers({ brokers: [`127.0.0.1:${kafkaPort}`], clientId: 't' }, 500), null)
})

test('`up` starts a broker and a Redis where nothing answers, prints addresses and logs; again, it starts nothing', async () => {
  const first = await runCli(['up', '--heap', '512m'], env)
  assert.match(first.stdout, new RegExp(`kafka +127\\.0\\.0\\.1:${kafkaPort} +started, pid \\d+, log .*kafka-${kafkaPort}/broker\\.log`))
  assert.match(first.stdout, new RegExp(`redis +redis://127\\.0\\.0\\.1:${redisPort} +started, pid \\d+, log .*redis-${redisPort}/redis\\.log`))
  assert.ok(await kafkaAnswers({ brokers: [`127.0.0.1:${kafkaPort}`], clientId: 't' }))
  assert.ok(await redisAnswers(`redis://127.0.0.1:${redisPort}`))
  const kafkaPid = readPid(kafkaPaths(state, kafkaPort).pid)
  const started = Date.now()
  const second = await runCli(['up'], env)
  assert.match(second.stdout, new RegExp(`kafka .* already running \\(started by streamfit up\\), pid ${kafkaPid}`))
  assert.match(second.stdout, /redis .* already running \(started by streamfit up\)/)
  assert.ok(Date.now() - started < 15_000, 'a second `up` only probes')
  assert.ok(existsSync(join(state, `kafka-${kafkaPort}`, 'data', 'meta.properties')), 'KRaft storage formatted')
  // The registry's Redis keeps what it acknowledged: an append-only file, synced on every write.
  const redis = new Redis(`redis://127.0.0.1:${redisPort}`)
  try {
    assert.equal(await redis.config('GET', 'appendonly'), ['appendonly', 'yes'])
    assert.equal(await redis.config('GET', 'appendfsync'), ['appendfsync', 'always'])
    assert.equal(await redis.config('GET', 'dir'), ['dir', join(state, `redis-${redisPort}`)])
  } finally {
    redis.disconnect()
  }
})

test('the broker can be killed and started again on the same data (for failure tests)', async () => {
  const kafka = { brokers: [`127.0.0.1:${kafkaPort}`], clientId: 'infra-test' }
  await withAdmin(kafka, admin => admin.createTopics({ topics: ['kept-across-restart'], partitions: 1, replicas: 1 }))
  assert.ok(await stopKafka({ stateDir: state, port: kafkaPort, signal: 'SIGKILL' }))
  assert.is(await kafkaAnswers(kafka, 500), null, 'gone')
  assert.not.ok(await stopKafka({ stateDir: state, port: kafkaPort }), 'nothing left to stop')
  const again = await startKafka({ stateDir: state, port: kafkaPort, heap: '512m' })
  assert.ok(again.started)
  const topics = await withAdmin(kafka, admin => admin.listTopics())
  assert.ok(topics.includes('kept-across-restart'), 'same storage, not reformatted')
})

test('`down` stops what `up` started, by pid, and leaves everything else running', async () => {
  const kafkaPid = readPid(kafkaPaths(state, kafkaPort).pid) ?? 0
  const result = await runCli(['down'], env)
  assert.match(result.stdout, new RegExp(`stopped redis on port ${redisPort}`))
  assert.match(result.stdout, new RegExp(`stopped kafka on port ${kafkaPort}`))
  assert.not.ok(isOurProcess(kafkaPid, kafkaPaths(state, kafkaPort).properties))
  assert.is(await kafkaAnswers({ brokers: [`127.0.0.1:${kafkaPort}`], clientId: 't' }, 500), null)
  assert.not.ok(await redisAnswers(`redis://127.0.0.1:${redisPort}`, 500))
  const again = await runCli(['down'], env)
  assert.match(again.stdout, /not started by streamfit up .*left alone/)
  assert.ok(await kafkaAnswers(shared.kafka), 'the shared broker still answers')
  assert.ok(await redisAnswers(shared.redisUrl), 'the shared Redis still answers')
})

test('`up` refuses to start anything for a remote address that does not answer', async () => {
  await rejects(() => runCli(['up'], { ...env, KAFKA_BROKERS: '192.0.2.1:9092', REDIS_URL: `redis://127.0.0.1:${redisPort}` }, { timeoutMs: 30_000 }),
    (e: Error) => e instanceof CliFailure && e.exit.code === 2 && /no Kafka broker answers at 192\.0\.2\.1:9092.*starts one only for a single plaintext loopback address.*KAFKA_BROKERS/.test(e.exit.stderr))
  await down(loadConfig({ ...process.env, ...env }), {})
})

test.run()
