// The launcher: probes, the jar fetch and its archive fallback, and `up` / `down` on ports and a
// state dir of their own, so the broker and Redis the other tests use are never touched.
import { execFile, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { rejects } from 'node:assert/strict'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../src/config.js'
import { UsageError } from '../src/errors.js'
import { startKafka, stopKafka } from '../src/infra/kafka-broker.js'
import { ensureKafkaJars, kafkaJarsPresent } from '../src/infra/kafka-jars.js'
import { kafkaPaths, kafkaLibsDir, PACKAGE_ROOT } from '../src/infra/paths.js'
import { isOurProcess, readPid, writePid } from '../src/infra/pidfile.js'
import { kafkaAnswers, redisAnswers } from '../src/infra/probe.js'
import { down } from '../src/infra/services.js'
import { withAdmin } from '../src/kafka/admin.js'

const run = promisify(execFile)
const shared = loadConfig() // what the other tests use: must still answer at the end
const state = mkdtempSync(join(tmpdir(), 'streamfit-up-'))
const CLI = join(PACKAGE_ROOT, 'bin', 'streamfit.js')

/**
 * A free port whose successor is free too (the controller listens on port + 1), below the
 * ephemeral range, so that no outgoing connection of a client takes it in the meantime.
 */
async function freePortPair (): Promise<number> {
  const free = (port: number): Promise<boolean> => new Promise(resolve => {
    const s = createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 8_000)
    if (await free(port) && await free(port + 1)) return port
  }
}

let kafkaPort = 0
let redisPort = 0
let env: NodeJS.ProcessEnv = {}

test.before(async () => {
  kafkaPort = await freePortPair()
  redisPort = await freePortPair()
  env = { ...process.env, KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, REDIS_URL: `redis://127.0.0.1:${redisPort}`, STREAMFIT_HOME: state }
  // The jars are fetched once per state dir; share the ones already fetched instead of a second Maven run.
  const libs = kafkaLibsDir(shared.stateDir)
  if (kafkaJarsPresent(shared.stateDir)) {
    mkdirSync(join(state, 'kafka_2.13-4.1.1'), { recursive: true })
    spawnSync('cp', ['-r', libs, kafkaLibsDir(state)])
  }
})

test.after(async () => {
  await down(loadConfig(env), { all: true }).catch(() => {})
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
  const first = await run(process.execPath, [CLI, 'up', '--heap', '512m'], { env })
  assert.match(first.stdout, new RegExp(`kafka +127\\.0\\.0\\.1:${kafkaPort} +started, pid \\d+, log .*kafka-${kafkaPort}/broker\\.log`))
  assert.match(first.stdout, new RegExp(`redis +redis://127\\.0\\.0\\.1:${redisPort} +started, pid \\d+, log .*redis-${redisPort}/redis\\.log`))
  assert.ok(await kafkaAnswers({ brokers: [`127.0.0.1:${kafkaPort}`], clientId: 't' }))
  assert.ok(await redisAnswers(`redis://127.0.0.1:${redisPort}`))
  const kafkaPid = readPid(kafkaPaths(state, kafkaPort).pid)
  const started = Date.now()
  const second = await run(process.execPath, [CLI, 'up'], { env })
  assert.match(second.stdout, new RegExp(`kafka .* already running \\(started by streamfit up\\), pid ${kafkaPid}`))
  assert.match(second.stdout, /redis .* already running \(started by streamfit up\)/)
  assert.ok(Date.now() - started < 15_000, 'a second `up` only probes')
  assert.ok(existsSync(join(state, `kafka-${kafkaPort}`, 'data', 'meta.properties')), 'KRaft storage formatted')
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
  const result = await run(process.execPath, [CLI, 'down'], { env })
  assert.match(result.stdout, new RegExp(`stopped redis on port ${redisPort}`))
  assert.match(result.stdout, new RegExp(`stopped kafka on port ${kafkaPort}`))
  assert.not.ok(isOurProcess(kafkaPid, kafkaPaths(state, kafkaPort).properties))
  assert.is(await kafkaAnswers({ brokers: [`127.0.0.1:${kafkaPort}`], clientId: 't' }, 500), null)
  assert.not.ok(await redisAnswers(`redis://127.0.0.1:${redisPort}`, 500))
  const again = await run(process.execPath, [CLI, 'down'], { env })
  assert.match(again.stdout, /not started by streamfit up .*left alone/)
  assert.ok(await kafkaAnswers(shared.kafka), 'the shared broker still answers')
  assert.ok(await redisAnswers(shared.redisUrl), 'the shared Redis still answers')
})

test('a pid file naming some other process never gets that process killed', async () => {
  const bystander = spawn('sleep', ['30'], { stdio: 'ignore' })
  try {
    const paths = kafkaPaths(state, 1)
    mkdirSync(paths.dir, { recursive: true })
    writePid(paths.pid, bystander.pid ?? 0)
    assert.not.ok(await stopKafka({ stateDir: state, port: 1 }))
    assert.ok(isOurProcess(bystander.pid ?? 0, 'sleep'), 'still alive')
  } finally {
    bystander.kill()
  }
})

test('`up` refuses to start anything for a remote address that does not answer', async () => {
  await rejects(() => run(process.execPath, [CLI, 'up'], { env: { ...env, KAFKA_BROKERS: '192.0.2.1:9092', REDIS_URL: `redis://127.0.0.1:${redisPort}` }, timeout: 30_000 }),
    (e: Error & { stderr?: string, code?: number }) => e.code === 2 && /no Kafka broker answers at 192\.0\.2\.1:9092.*starts one only for a single plaintext loopback address.*KAFKA_BROKERS/.test(e.stderr ?? ''))
  await down(loadConfig({ ...env }), {})
})

// The release-archive fallback, served from a local file and a local HTTP server.
function fakeRelease (dir: string): string {
  const root = join(dir, 'kafka_2.13-4.1.1')
  mkdirSync(join(root, 'libs'), { recursive: true })
  mkdirSync(join(root, 'bin'), { recursive: true })
  writeFileSync(join(root, 'libs', 'kafka_2.13-4.1.1.jar'), 'not really a jar')
  writeFileSync(join(root, 'libs', 'kafka-clients-4.1.1.jar'), 'not really a jar either')
  writeFileSync(join(root, 'bin', 'kafka-server-start.sh'), '#!/bin/sh\n')
  const tgz = join(dir, 'kafka_2.13-4.1.1.tgz')
  const tar = spawnSync('tar', ['-czf', tgz, '-C', dir, 'kafka_2.13-4.1.1'])
  assert.is(tar.status, 0)
  return tgz
}

test('without Maven, the jars come from the release archive (file:// and http://), once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-archive-'))
  let server: Server | undefined
  try {
    const tgz = fakeRelease(dir)
    const fromFile = join(dir, 'state-file')
    const libs = await ensureKafkaJars(fromFile, { mvn: false, archiveUrl: pathToFileURL(tgz).href })
    assert.equal(readdirSync(libs).sort(), ['kafka-clients-4.1.1.jar', 'kafka_2.13-4.1.1.jar'])
    let requests = 0
    server = createHttpServer((req, res) => { requests++; spawn('cat', [tgz]).stdout.pipe(res) })
    await new Promise<void>(resolve => server?.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/kafka_2.13-4.1.1.tgz`
    const fromHttp = join(dir, 'state-http')
    await ensureKafkaJars(fromHttp, { mvn: 'no-such-mvn-here', archiveUrl: url })
    assert.ok(kafkaJarsPresent(fromHttp))
    await ensureKafkaJars(fromHttp, { mvn: 'no-such-mvn-here', archiveUrl: url })
    assert.is(requests, 1, 'fetched once, then cached')
  } finally {
    server?.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('neither Maven nor the archive: a clear error naming docker compose, nothing half-installed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-nojars-'))
  try {
    const notATgz = join(dir, 'bad.tgz')
    writeFileSync(notATgz, 'plain text')
    await rejects(() => ensureKafkaJars(dir, { mvn: 'no-such-mvn-here', archiveUrl: 'http://127.0.0.1:1/kafka.tgz' }),
      (e: Error) => e instanceof UsageError && /Maven \(no-such-mvn-here\): not installed/.test(e.message) && /cannot reach http:\/\/127\.0\.0\.1:1/.test(e.message) && /docker compose up -d/.test(e.message))
    await rejects(() => ensureKafkaJars(dir, { mvn: false, archiveUrl: pathToFileURL(notATgz).href }), (e: Error) => e instanceof UsageError && /not a \.tgz/.test(e.message))
    assert.not.ok(kafkaJarsPresent(dir))
    assert.equal(readdirSync(dir).filter(f => f !== 'bad.tgz'), [], 'no partial directory left')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
