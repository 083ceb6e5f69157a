// The app runner (src/runtime/app.ts) and topology descriptions (src/runtime/describe.ts):
// metrics served while an app runs, clean stop on a signal, failures rethrown, secrets masked.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { UsageError } from '../../src/errors.js'
import { appOptions, maskUrlPassword, runApp, safeConfig } from '../../src/runtime/app.js'
import { formatTopology, topologyTopics, validateTopology, type TopologyDescription } from '../../src/runtime/describe.js'
import { metrics } from '../../src/runtime/metrics.js'
import { describeApp } from '../../src/commands/describe.js'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../support/cli.js'
import { PACKAGE_ROOT } from '../support/paths.js'

// Quiet logs in this process; the runner logs at info by default.
const quiet = { logLevel: 'silent', exitGraceMs: 0 }

test('runApp serves /metrics and /health while the app runs and closes the server after', async () => {
  let port = 0
  const result = await runApp('svc-test', { ...quiet, metricsPort: 0, metricsHost: '127.0.0.1' }, async ({ metricsServer, setHealthy }) => {
    port = metricsServer!.port
    metrics.recordsOut.inc({ app: 'svc-test', topic: 't' }, 7)
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    assert.match(body, /streamfit_records_out_total\{app="svc-test",topic="t"\} 7/)
    assert.is((await fetch(`http://127.0.0.1:${port}/health`)).status, 200)
    setHealthy(false)
    assert.is((await fetch(`http://127.0.0.1:${port}/health`)).status, 503)
    return 42
  })
  assert.is(result, 42)
  assert.ok(port > 0)
  let refused = false
  try { await fetch(`http://127.0.0.1:${port}/metrics`) } catch { refused = true }
  assert.ok(refused, 'metrics server still listening after the app ended')
})

test('a first signal aborts ctx.signal; ending with the abort reason is a clean stop', async () => {
  const result = await runApp('svc-test', quiet, async ({ signal }) => {
    assert.not.ok(signal.aborted)
    setImmediate(() => process.emit('SIGTERM', 'SIGTERM'))
    await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    return 'unreachable'
  })
  assert.is(result, undefined)
  // The handlers are removed: a later signal would otherwise count as a "second" one.
  assert.is(process.listenerCount('SIGTERM'), 0)
})

test('a failure is rethrown with its type, so the CLI picks the exit code', async () => {
  try {
    await runApp('svc-test', quiet, async () => { throw new UsageError('bad flag') })
    assert.unreachable('should have thrown')
  } catch (error) {
    assert.instance(error, UsageError)
  }
  try {
    await runApp('svc-test', quiet, async () => { throw new Error('broken') })
    assert.unreachable('should have thrown')
  } catch (error) {
    assert.is((error as Error).message, 'broken')
  }
})

test('appOptions parses --metrics-port and --log-level with env fallbacks and clear errors', () => {
  assert.equal(appOptions({ metricsPort: '9464' }, {}), { metricsPort: 9464 })
  assert.equal(appOptions({}, { STREAMFIT_METRICS_PORT: '9500', STREAMFIT_LOG_LEVEL: 'debug' }), { metricsPort: 9500, logLevel: 'debug' })
  assert.equal(appOptions({}, {}), {})
  assert.throws(() => appOptions({ metricsPort: 'abc' }, {}), (e: Error) => e instanceof UsageError && /--metrics-port/.test(e.message))
  assert.throws(() => appOptions({ metricsPort: '70000' }, {}), (e: Error) => e instanceof UsageError && /65535/.test(e.message))
  assert.throws(() => appOptions({ logLevel: 'loud' }, {}), (e: Error) => e instanceof UsageError && /--log-level/.test(e.message))
})

test('safeConfig masks the SASL password and a password in REDIS_URL', () => {
  const config = loadConfig({
    KAFKA_BROKERS: 'k1:9092,k2:9092',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'alice',
    KAFKA_SASL_PASSWORD: 'hunter2-sasl',
    REDIS_URL: 'redis://default:hunter2-redis@redis:6379/0'
  })
  const text = JSON.stringify(safeConfig(config))
  assert.not.match(text, /hunter2/)
  assert.match(text, /alice/)
  assert.match(text, /SCRAM-SHA-512/)
  assert.match(text, /redis:\/\/default:\*\*\*@redis:6379\/0/)
  assert.is(maskUrlPassword('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379')
  assert.is(maskUrlPassword('not a url :secret@'), '***')
})

const sample: TopologyDescription = {
  name: 'score',
  summary: 'scores susy-test into susy-predictions',
  guarantee: 'exactly-once',
  guaranteeDetail: 'predictions and input offsets commit in one Kafka transaction per batch',
  steps: [
    { kind: 'source', name: 'fromGroup', topics: ['susy-test'], detail: 'group score, read_committed' },
    { kind: 'processor', name: 'decodeCsv', sideOutputs: ['susy-dlq'], detail: 'SUSY bytes' },
    { kind: 'processor', name: 'batch', detail: '1024 records or 50 ms' },
    { kind: 'processor', name: 'predict', stores: ['redis:streamfit:models'], detail: 'one call per batch' },
    { kind: 'sink', name: 'transactionalSink', topics: ['susy-predictions'], detail: 'one transaction per batch' }
  ]
}

test('formatTopology prints a Kafka Streams-style chain with side outputs and the guarantee', () => {
  const text = formatTopology(sample)
  assert.match(text, /^Topology: score\n/)
  assert.match(text, /Guarantee: exactly-once \(predictions and input offsets/)
  assert.match(text, /Source: SOURCE-0 fromGroup \(topics: \[susy-test\]\)\n {6}# group score, read_committed\n {6}--> PROCESSOR-1\n/)
  assert.match(text, /Processor: PROCESSOR-1 decodeCsv \(stores: \[\]\)\n {6}# SUSY bytes\n {6}--> PROCESSOR-2, PROCESSOR-1-SIDE-0\n {6}<-- SOURCE-0\n {4}Sink: PROCESSOR-1-SIDE-0 \(topic: susy-dlq\)\n {6}<-- PROCESSOR-1\n/)
  assert.match(text, /Processor: PROCESSOR-3 predict \(stores: \[redis:streamfit:models\]\)/)
  assert.match(text, /Sink: SINK-4 transactionalSink \(topics: \[susy-predictions\]\)\n {6}# one transaction per batch\n {6}<-- PROCESSOR-3\n$/)
  assert.equal(topologyTopics(sample), { reads: ['susy-test'], writes: ['susy-dlq', 'susy-predictions'] })
})

test('validateTopology rejects a chain that does not run source to sink', () => {
  assert.throws(() => validateTopology({ ...sample, steps: sample.steps.slice(1) }), /first step must be a source/)
  assert.throws(() => validateTopology({ ...sample, steps: sample.steps.slice(0, -1) }), /last step must be a sink/)
  assert.throws(() => validateTopology({ ...sample, steps: [sample.steps[0], sample.steps[0], sample.steps[4]] }), /only the first step may be a source/)
})

test('a whole Config logged by mistake still has its SASL password redacted', () => {
  const code = `import('./dist/src/runtime/logger.js').then(async ({ createLogger }) => {
    const { loadConfig } = await import('./dist/src/config.js')
    const config = loadConfig({ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'bob', KAFKA_SASL_PASSWORD: 'pw-in-config-123' })
    const log = createLogger('t')
    log.info({ config }, 'nested')
    log.info(config, 'top')
    log.info({ kafka: config.kafka }, 'kafka')
  })`
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: PACKAGE_ROOT, encoding: 'utf8', env: { ...process.env, STREAMFIT_LOG_LEVEL: 'info' } })
  assert.is(run.status, 0, run.stderr)
  const lines = run.stderr.trim().split('\n')
  assert.is(lines.length, 3, run.stderr)
  assert.not.match(run.stderr, /pw-in-config-123/)
  assert.is(lines.filter(l => l.includes('"password":"[redacted]"')).length, 3)
})

test('every app declares its topology next to its pipeline, with the configured topics', async () => {
  const config = loadConfig({ STREAMFIT_TRAIN_TOPIC: 'my-train', STREAMFIT_TEST_TOPIC: 'my-test', STREAMFIT_PREDICTIONS_TOPIC: 'my-out', STREAMFIT_DLQ_TOPIC: 'my-dlq' })
  const train = await describeApp('train', config)
  const score = await describeApp('score', config)
  const online = await describeApp('online', config)
  assert.equal(topologyTopics(train).reads, ['my-train'])
  assert.equal(topologyTopics(online).reads, ['my-train'])
  assert.equal(topologyTopics(score).reads, ['my-test'])
  assert.ok(topologyTopics(score).writes.includes('my-out'))
  for (const d of [train, score, online]) assert.ok(topologyTopics(d).writes.includes('my-dlq'), `${d.name} dead-letters bad records`)
  assert.is(score.guarantee, 'exactly-once')
  await describeApp('nope', config).then(() => assert.unreachable('unknown app accepted'), (e: Error) => assert.instance(e, UsageError))
})

test('`streamfit describe score` prints the topology; --json prints the description', async () => {
  const text = (await runCli(['describe', 'score'])).stdout
  assert.match(text, /^Topology: score\n/)
  assert.match(text, /Guarantee: exactly-once/)
  assert.match(text, /Source: SOURCE-0 fromGroup \(topics: \[susy-test\]\)/)
  const json = JSON.parse((await runCli(['describe', 'online', '--json'], { STREAMFIT_TRAIN_TOPIC: 't1' })).stdout) as { name: string, steps: Array<{ kind: string, topics?: string[] }> }
  assert.is(json.name, 'online')
  assert.equal(json.steps[0]!.topics, ['t1'])
})

test('`streamfit describe <app> --spec FILE`: the spec\'s topics and its record decoder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-describe-spec-'))
  try {
    const spec = join(dir, 'zoo.json')
    writeFileSync(spec, JSON.stringify({
      name: 'zoo', topics: { train: { name: 'zoo-train' }, test: { name: 'zoo-test', partitions: 2 }, predictions: { name: 'zoo-out' }, deadLetters: { name: 'zoo-dlq' } },
      format: { type: 'json' }, label: { field: 'kind' }, features: [{ type: 'numeric', from: { field: 'w' } }], task: { type: 'multiclass', classes: ['a', 'b'] }
    }))
    const score = JSON.parse((await runCli(['describe', 'score', '--spec', spec, '--json'])).stdout) as TopologyDescription
    assert.equal(topologyTopics(score), { reads: ['zoo-test'], writes: ['zoo-dlq', 'zoo-out'] })
    assert.ok(score.steps.some(s => s.name === 'decodeRecords(json)'), score.steps.map(s => s.name).join(', '))
    for (const app of ['train', 'online']) {
      const d = await describeApp(app, loadConfig(), ['--spec', spec])
      assert.equal(topologyTopics(d).reads, ['zoo-train'], app)
      assert.ok(topologyTopics(d).writes.includes('zoo-dlq'), app)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
