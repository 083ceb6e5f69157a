// Every command through its error paths, as a user meets them: bad flag, missing flag, unknown
// command, bad value, unreachable Kafka, unreachable Redis, missing topic, bad TLS / SASL
// settings. Each must end with exit 2, exactly one line on stderr naming the problem and the
// fix, no stack trace and no log line before it, within 15 s. Real broker and Redis for the
// paths that get that far; a free port stands for an unreachable service.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { freePort } from '../support/wait.js'
import { startCli } from '../support/cli.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()
const LIMIT_MS = 15_000
// Words a fix starts with: every message must say what to do, not only what went wrong.
const FIX = /\b(run|start|give|set|unset|use|check|choose|point|fix|expects|expected|grant|create|load)\b/

interface Case {
  args: string[]
  env?: Record<string, string>
  /** What the line must name (the problem). */
  says: RegExp
}

interface Outcome { code: number | null, stderr: string, stdout: string, ms: number }

async function run (c: Case): Promise<Outcome> {
  const started = performance.now()
  const p = startCli(c.args[0] ?? 'cli', c.args, c.env)
  const timer = setTimeout(() => p.child.kill('SIGKILL'), LIMIT_MS + 15_000)
  const { code } = await p.exited
  clearTimeout(timer)
  return { code, stderr: p.stderr(), stdout: p.stdout(), ms: performance.now() - started }
}

function check (c: Case, o: Outcome): void {
  const what = `streamfit ${c.args.join(' ')}${c.env ? ` with ${Object.entries(c.env).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`
  const lines = o.stderr.split('\n').filter(l => l.trim() !== '')
  assert.is(o.code, 2, `${what}: exit ${o.code}, stderr:\n${o.stderr}`)
  assert.is(lines.length, 1, `${what}: exactly one line on stderr, got ${lines.length}:\n${o.stderr}`)
  const line = lines[0]!
  assert.ok(line.startsWith('streamfit: '), `${what}: ${line}`)
  assert.not.match(line, /\bat .+:\d+:\d+\)?$|"level":/, `${what}: no stack, no log line: ${line}`)
  assert.match(line, c.says, `${what}: names the problem: ${line}`)
  assert.match(line, FIX, `${what}: names the fix: ${line}`)
  assert.ok(o.ms < LIMIT_MS, `${what}: took ${Math.round(o.ms)} ms`)
}

/** Runs the cases a few at a time (each is a process start) and checks each. */
async function walk (cases: Case[], parallel = 3): Promise<void> {
  const failures: string[] = []
  for (let i = 0; i < cases.length; i += parallel) {
    const chunk = cases.slice(i, i + parallel)
    const outcomes = await Promise.all(chunk.map(run))
    chunk.forEach((c, j) => {
      try { check(c, outcomes[j]!) } catch (error) { failures.push((error as Error).message) }
    })
  }
  assert.is(failures.length, 0, failures.join('\n\n'))
}

// describe's first argument is the app; the flags after it are that app's, checked as the app checks them.
const REQUIRED: Record<string, string[]> = { evaluate: ['--data', 'x.csv'], lag: ['--group', 'g'], reset: ['--group', 'g'], describe: ['score'] }
const COMMANDS = ['up', 'down', 'load', 'train', 'evaluate', 'models', 'describe', 'online', 'score', 'lag', 'reset', 'demo', 'backend']

test('bad flag, missing flag, unknown command: every command', async () => {
  await walk([
    // Required flags given, so that the unknown one is the only mistake (commander reports a
    // missing required flag first).
    ...COMMANDS.map(name => ({ args: [name, ...(REQUIRED[name] ?? []), '--frob'], says: /unknown option '--frob'.*streamfit .*--help/ })),
    { args: ['frob'], says: /unknown command 'frob'/ },
    { args: ['models', 'frob'], says: /unknown models subcommand "frob"/ },
    { args: ['backend', 'frob'], says: /unknown backend subcommand "frob"/ },
    { args: ['backend', 'install', '--from', 'ftp'], says: /--from expects auto, download or wheel/ },
    { args: ['describe', 'frob'], says: /unknown app "frob"/ },
    { args: ['describe'], says: /missing required argument 'app'/ },
    { args: ['lag'], says: /required option '--group <id>' not specified/ },
    { args: ['reset', '--to-earliest'], says: /required option '--group <id>' not specified/ },
    { args: ['evaluate'], says: /evaluate needs --data <path\|url> or --topic <name>/ },
    { args: ['models', 'prune'], says: /required option '--keep <n>' not specified \(run `streamfit models prune --help`/ },
    { args: ['models', 'delete'], says: /missing required argument 'ref'/ },
    { args: ['reset', '--group', 'g'], says: /exactly one of --to-earliest/ }
  ])
})

test('bad values: numbers, names, formats, environment', async () => {
  await walk([
    { args: ['up', '--heap', 'abc'], says: /--heap expects a JVM heap size/ },
    { args: ['load', '--rows', 'abc'], says: /--rows expects an integer >= 1, got "abc"/ },
    { args: ['load', '--compression', 'zip'], says: /--compression expects/ },
    { args: ['train', '--epochs', '0'], says: /--epochs expects an integer >= 1/ },
    { args: ['train', '--backend', 'tpu'], says: /tpu/ },
    { args: ['evaluate', '--data', 'x.csv', '--batch-size', '0'], says: /--batch-size expects/ },
    { args: ['models', 'prune', '--keep', '0'], says: /--keep expects an integer >= 1/ },
    { args: ['models', 'delete', 'susy'], says: /give the version to delete/ },
    { args: ['online', '--save-every', '10,30s,5'], says: /--save-every takes at most one count and one duration/ },
    { args: ['online', '--group', ''], says: /--group must not be empty/ },
    { args: ['score', '--batch-size', 'x'], says: /--batch-size expects an integer/ },
    { args: ['score', '--group', ''], says: /--group must not be empty/ },
    { args: ['score', '--metrics-port', '70000'], says: /--metrics-port expects a port number <= 65535/ },
    { args: ['score', '--log-format', 'xml'], says: /--log-format expects json or pretty/ },
    { args: ['score'], env: { STREAMFIT_LOG_LEVEL: 'bogus' }, says: /STREAMFIT_LOG_LEVEL expects one of/ },
    { args: ['lag', '--group', ''], says: /--group must not be empty/ },
    { args: ['reset', '--group', 'g', '--to-offset', 'x'], says: /--to-offset expects an offset >= 0/ },
    { args: ['reset', '--group', 'g', '--to-datetime', 'yesterday'], says: /--to-datetime expects an ISO-8601 time/ },
    { args: ['demo', '--rows', 'abc'], says: /--rows expects an integer >= 1/ },
    { args: ['models'], env: { REDIS_URL: 'http://x' }, says: /bad REDIS_URL/ },
    { args: ['lag', '--group', 'g'], env: { KAFKA_BROKERS: 'nohost' }, says: /bad broker address "nohost"/ }
  ])
})

test('unreachable Kafka, unreachable Redis, missing topics: one line naming the service or topic', async () => {
  const deadKafka = `127.0.0.1:${await freePort()}`
  const deadRedisPort = await freePort()
  const deadRedis = `redis://127.0.0.1:${deadRedisPort}`
  const topics = { train: uniqueName('errors-train'), test: uniqueName('errors-test'), predictions: uniqueName('errors-pred'), dlq: uniqueName('errors-dlq') }
  await ensureTopics(config.kafka, Object.values(topics).map(name => ({ name, partitions: 1 })))
  const env = { STREAMFIT_TRAIN_TOPIC: topics.train, STREAMFIT_TEST_TOPIC: topics.test, STREAMFIT_PREDICTIONS_TOPIC: topics.predictions, STREAMFIT_DLQ_TOPIC: topics.dlq }
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-errors-'))
  const rows = join(dir, 'rows.csv')
  writeFileSync(rows, `1,${Array.from({ length: 18 }, (_, i) => (i / 10).toFixed(1)).join(',')}\n`)
  const badRows = join(dir, 'bad.csv')
  writeFileSync(badRows, '1,0.1,0.2\n')
  const noKafka = { ...env, KAFKA_BROKERS: deadKafka }
  const noRedis = { ...env, REDIS_URL: deadRedis }
  const kafkaDown = new RegExp(`no Kafka broker answers at ${deadKafka}`)
  const redisDown = new RegExp(`no Redis answers at redis://127\\.0\\.0\\.1:${deadRedisPort}`)
  try {
    await walk([
      { args: ['load', '--synthetic', '10'], env: noKafka, says: kafkaDown },
      { args: ['train'], env: noKafka, says: kafkaDown },
      { args: ['online'], env: noKafka, says: kafkaDown },
      { args: ['score'], env: noKafka, says: kafkaDown },
      { args: ['lag', '--group', 'g'], env: noKafka, says: kafkaDown },
      { args: ['reset', '--group', 'g', '--to-earliest'], env: noKafka, says: kafkaDown },
      { args: ['up'], env: { KAFKA_BROKERS: '192.0.2.1:9092' }, says: /no Kafka broker answers at 192\.0\.2\.1:9092/ },
      { args: ['train'], env: noRedis, says: redisDown },
      { args: ['evaluate', '--data', rows], env: noRedis, says: redisDown },
      // evaluate has no --skip-bad: its message must not send the user there.
      { args: ['evaluate', '--data', badRows], says: /line 1: expected 19 columns.*\(fix or remove the row[^-]*\)$/ },
      { args: ['models'], env: noRedis, says: redisDown },
      { args: ['models', 'delete', 'susy@1'], env: noRedis, says: redisDown },
      { args: ['online'], env: noRedis, says: redisDown },
      { args: ['score'], env: noRedis, says: redisDown },
      // A password in REDIS_URL never reaches the line.
      { args: ['score'], env: { ...env, REDIS_URL: `redis://alice:s3cret@127.0.0.1:${deadRedisPort}` }, says: /redis:\/\/alice:\*\*\*@127\.0\.0\.1/ },
      { args: ['train'], env: { ...env, STREAMFIT_TRAIN_TOPIC: uniqueName('nope') }, says: /topic .*nope.* does not exist/ },
      { args: ['online'], env: { ...env, STREAMFIT_TRAIN_TOPIC: uniqueName('nope') }, says: /topic .*nope.* does not exist/ },
      { args: ['score'], env: { ...env, STREAMFIT_TEST_TOPIC: uniqueName('nope') }, says: /topic .*nope.* does not exist/ },
      { args: ['lag', '--group', 'g', '--topic', 'nope-topic'], says: /topic nope-topic does not exist/ },
      { args: ['evaluate', '--topic', 'nope-topic'], says: /topic nope-topic does not exist/ },
      { args: ['evaluate', '--topic', topics.test], env: noKafka, says: kafkaDown },
      { args: ['reset', '--group', 'g', '--to-earliest', '--topic', 'nope-topic'], says: /topic nope-topic does not exist/ }
    ])
  } finally {
    await deleteTopics(config.kafka, Object.values(topics))
  }
})

test('bad TLS and SASL settings: one line naming the setting', async () => {
  const tls = { KAFKA_TLS: '1' }
  const saslNoUser = { KAFKA_SASL_MECHANISM: 'PLAIN' }
  const saslPlainBroker = { KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: 'pw' }
  const noCa = { KAFKA_TLS_CA: '/nonexistent/ca.pem' }
  await walk([
    { args: ['score'], env: tls, says: /did not complete a TLS handshake.*KAFKA_TLS/ },
    { args: ['lag', '--group', 'g'], env: tls, says: /did not complete a TLS handshake/ },
    { args: ['load', '--synthetic', '10'], env: tls, says: /did not complete a TLS handshake/ },
    { args: ['reset', '--group', 'g', '--to-earliest'], env: saslNoUser, says: /KAFKA_SASL_MECHANISM=PLAIN needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/ },
    { args: ['online'], env: saslPlainBroker, says: /refused SASL authentication.*KAFKA_SASL_MECHANISM/ },
    { args: ['train'], env: noCa, says: /KAFKA_TLS_CA=\/nonexistent\/ca\.pem: no readable file/ },
    { args: ['score'], env: { KAFKA_SASL_MECHANISM: 'GSSAPI' }, says: /bad KAFKA_SASL_MECHANISM "GSSAPI"/ }
  ])
})

test.run()
