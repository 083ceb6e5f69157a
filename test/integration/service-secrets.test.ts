// No secret ever reaches a log line or the console: the apps run as child processes with a SASL
// password and a Redis password in their environment, at the most verbose log level, and
// everything they print is searched for the secrets.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'
import { startCli } from '../support/cli.js'
import { dropRegistry, saveSeededModel } from '../support/stored-model.js'

const config = loadConfig()
const id = uniqueName('svc-secrets')
const prefix = `${id}:`
const topics = { in: `${id}-in`, out: `${id}-out`, dlq: `${id}-dlq`, train: `${id}-train` }
const SASL_PASSWORD = `sasl-${Math.random().toString(36).slice(2)}-secret`
const REDIS_PASSWORD = `redis-${Math.random().toString(36).slice(2)}-secret`
const base = {
  STREAMFIT_LOG_LEVEL: 'trace',
  STREAMFIT_REGISTRY_PREFIX: prefix,
  STREAMFIT_TEST_TOPIC: topics.in,
  STREAMFIT_PREDICTIONS_TOPIC: topics.out,
  STREAMFIT_DLQ_TOPIC: topics.dlq,
  STREAMFIT_TRAIN_TOPIC: topics.train
}
const sasl = { ...base, KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: SASL_PASSWORD }

test.before(async () => {
  await ensureTopics(config.kafka, [{ name: topics.out, partitions: 1 }, { name: topics.dlq, partitions: 1 }])
  await writeSynthetic(config.kafka, topics.in, 200, { partitions: 1 })
  await writeSynthetic(config.kafka, topics.train, 200, { partitions: 1 })
  await saveSeededModel(prefix)
})

test.after(async () => {
  await deleteTopics(config.kafka, Object.values(topics))
  await dropRegistry(prefix)
})

async function run (args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null, output: string }> {
  const p = startCli(args[0]!, args, env)
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs)
  const { code } = await p.exited
  clearTimeout(timer)
  return { code, output: p.stdout() + p.stderr() }
}

// The dev and CI brokers listen in PLAINTEXT, so a SASL handshake fails: the error path, where
// clients and apps are most tempted to print what they were configured with.
for (const args of [
  ['score', '--group', `${id}-g`, '--stream-timeout', '2000'],
  ['online', '--group', `${id}-o`, '--stream-timeout', '2000'],
  ['train', '--epochs', '1'],
  ['lag', '--group', `${id}-g`],
  ['load', '--synthetic', '10', '--json']
]) {
  test(`streamfit ${args[0]} with a SASL password in env: it fails to connect and never prints the password`, async () => {
    const started = performance.now()
    const { code, output } = await run(args, sasl)
    console.log(`  ${args[0]}: exit ${code} after ${((performance.now() - started) / 1000).toFixed(1)} s`)
    assert.is.not(code, 0, `streamfit ${args[0]} should fail against a PLAINTEXT listener with SASL on:\n${output.slice(-1500)}`)
    assert.not.ok(output.includes(SASL_PASSWORD), `the SASL password appears in the output of streamfit ${args[0]}:\n${output}`)
    assert.not.match(output, /unknown command/, `streamfit ${args[0]} exists`)
  })
}

test('a Redis password in REDIS_URL is masked in the start log of a scorer that runs normally', async () => {
  const url = new URL(config.redisUrl)
  // A Redis without auth accepts the connection despite the password (ioredis only warns).
  url.username = 'default'
  url.password = REDIS_PASSWORD
  const { code, output } = await run(['score', '--group', `${id}-r`, '--stream-timeout', '2000', '--json'], { ...base, REDIS_URL: url.toString() })
  assert.is(code, 0, output.slice(-2000))
  assert.not.ok(output.includes(REDIS_PASSWORD), `the Redis password appears in the output:\n${output}`)
  const started = output.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as { msg?: string, config?: { redisUrl: string } })
    .find(l => l.msg === 'score started')
  assert.ok(started?.config, 'the start log carries the (masked) configuration')
  assert.match(started!.config!.redisUrl, /^redis:\/\/default:\*\*\*@/)
  assert.match(output, /"records":200/)
})

test.run()
