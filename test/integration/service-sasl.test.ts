// SASL passes through to the Kafka client for real clusters: a private broker that accepts only
// SASL/PLAIN (started here from the same jars `streamfit up` uses), and the scorer run against
// it from KAFKA_SASL_* in its environment. Exactly-once still holds; the password is never printed;
// a wrong password fails without printing either password.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { ensureTopics, withAdmin } from '../../src/kafka/admin.js'
import { newClusterId } from '../../src/infra/kafka-broker.js'
import { ensureKafkaJars } from '../../src/infra/kafka-jars.js'
import { LOG4J2_CONFIG } from '../../src/infra/paths.js'
import { summarize, verifyExactlyOnce } from '../support/eos-verifier.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'
import { startCli } from '../support/cli.js'
import { dropRegistry, saveSeededModel } from '../support/stored-model.js'
import { freePort, waitFor, withTimeout } from '../support/wait.js'

const id = uniqueName('svc-sasl')
const prefix = `${id}:`
const PASSWORD = `pw-${randomBytes(9).toString('base64url')}`
const topics = { in: `${id}-in`, out: `${id}-out`, dlq: `${id}-dlq` }
const ROWS = 500
const dir = mkdtempSync(join(tmpdir(), 'streamfit-sasl-'))
let broker: ChildProcess | undefined
let env: Record<string, string> = {}

test.before(async () => {
  const [port, controller] = [await freePort(), await freePort()]
  const properties = join(dir, 'server.properties')
  writeFileSync(properties, [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=SASL_PLAINTEXT',
    'sasl.enabled.mechanisms=PLAIN',
    'sasl.mechanism.inter.broker.protocol=PLAIN',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-pw" user_admin="admin-pw" user_alice="${PASSWORD}";`,
    `log.dirs=${join(dir, 'data')}`,
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'group.initial.rebalance.delay.ms=0',
    ''
  ].join('\n'))
  const libs = await ensureKafkaJars(loadConfig().stateDir)
  const cp = ['-cp', `${libs}/*`, `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`]
  // newClusterId: a raw base64url id starts with '-' one time in 64, which the storage tool reads as an option.
  const format = spawnSync('java', [...cp, 'kafka.tools.StorageTool', 'format', '-t', newClusterId(), '-c', properties], { encoding: 'utf8' })
  assert.is(format.status, 0, format.stderr)
  broker = spawn('java', ['-Xmx384m', ...cp, 'kafka.Kafka', properties], { stdio: 'ignore' })
  env = {
    KAFKA_BROKERS: `127.0.0.1:${port}`,
    KAFKA_SASL_MECHANISM: 'PLAIN',
    KAFKA_SASL_USERNAME: 'alice',
    KAFKA_SASL_PASSWORD: PASSWORD,
    STREAMFIT_REGISTRY_PREFIX: prefix,
    STREAMFIT_TEST_TOPIC: topics.in,
    STREAMFIT_PREDICTIONS_TOPIC: topics.out,
    STREAMFIT_DLQ_TOPIC: topics.dlq
  }
  const kafka = loadConfig({ ...process.env, ...env }).kafka
  await waitFor('the SASL broker to answer', () => withAdmin(kafka, async admin => { await admin.listTopics(); return true }), { timeoutMs: 90_000, everyMs: 500 })
  await ensureTopics(kafka, [{ name: topics.out, partitions: 2 }, { name: topics.dlq, partitions: 1 }])
  await writeSynthetic(kafka, topics.in, ROWS, { partitions: 2 })
  await saveSeededModel(prefix)
})

test.after(async () => {
  if (broker && broker.exitCode === null) {
    const exited = new Promise(resolve => broker!.once('exit', resolve))
    broker.kill('SIGTERM')
    await withTimeout(exited, 20_000, 'the SASL broker to stop').catch(() => broker!.kill('SIGKILL'))
  }
  rmSync(dir, { recursive: true, force: true })
  await dropRegistry(prefix)
})

test('the scorer authenticates with SASL/PLAIN from its environment and scores exactly once', async () => {
  const scorer = startCli('score', ['score', '--group', `${id}-g`, '--stream-timeout', '3000', '--log-level', 'trace', '--json'], env)
  const { code } = await scorer.exited
  const output = scorer.stdout() + scorer.stderr()
  assert.is(code, 0, output.slice(-2000))
  assert.match(scorer.stdout(), new RegExp(`"records":${ROWS}`))
  assert.not.ok(output.includes(PASSWORD), 'the SASL password was printed')
  assert.match(output, /"sasl":\{"mechanism":"PLAIN","username":"alice"\}/, 'the start log names the mechanism and user, not the password')
  const report = await verifyExactlyOnce(loadConfig({ ...process.env, ...env }).kafka, { inputTopic: topics.in, predictionsTopic: topics.out, dlqTopic: topics.dlq })
  assert.ok(report.inputs === ROWS && report.outputs === ROWS && report.duplicates.length === 0 && report.missing.length === 0, summarize(report))
})

test('a wrong password fails and prints neither password', async () => {
  const wrong = `wrong-${randomBytes(6).toString('hex')}`
  const p = startCli('lag', ['lag', '--group', `${id}-g`], { ...env, KAFKA_SASL_PASSWORD: wrong, STREAMFIT_LOG_LEVEL: 'trace' })
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 60_000)
  const { code } = await p.exited
  clearTimeout(timer)
  const output = p.stdout() + p.stderr()
  assert.is.not(code, 0)
  assert.not.ok(output.includes(wrong) || output.includes(PASSWORD), output)
})

test.run()
