// /api/status and the page's files, served by the app runner on the metrics port: the JSON's
// shape (documented in docs/operations.md), its figures read back from the prom-client registry, the
// config redacted as in the logs, the page self-contained, loopback by default.
import { networkInterfaces } from 'node:os'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { describeApp } from '../../src/commands/describe.js'
import { loadConfig } from '../../src/config.js'
import { histogramQuantile } from '../../src/dashboard/quantile.js'
import type { Status } from '../../src/dashboard/status.js'
import { appOptions, runApp } from '../../src/runtime/app.js'
import { metrics } from '../../src/runtime/metrics.js'
import { setTaskFigures } from '../../src/runtime/task-gauges.js'

const quiet = { logLevel: 'silent', exitGraceMs: 0 }
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Asserts `value` has exactly these keys, each of the type named ('array', 'null|number', ...). */
function shape (value: unknown, expected: Record<string, string>, where: string): void {
  assert.type(value, 'object', where)
  const object = value as Record<string, unknown>
  assert.equal(Object.keys(object).sort(), Object.keys(expected).sort(), `${where} keys`)
  for (const [key, types] of Object.entries(expected)) {
    const v = object[key]
    const actual = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
    assert.ok(types.split('|').includes(actual), `${where}.${key}: ${actual}, expected ${types}`)
  }
}

test('histogramQuantile interpolates inside the bucket holding the rank, like PromQL', () => {
  const buckets = [{ le: 0.1, count: 10 }, { le: 0.5, count: 90 }, { le: 1, count: 100 }, { le: Infinity, count: 100 }]
  assert.is(histogramQuantile(0.05, buckets), 0.05)
  assert.is(histogramQuantile(0.5, buckets), 0.1 + 0.4 * (50 - 10) / 80)
  assert.ok(Math.abs(histogramQuantile(0.99, buckets)! - (0.5 + 0.5 * 9 / 10)) < 1e-12)
  assert.is(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }]), null)
  // Ranks in the +Inf bucket: the highest finite bound is all that is known.
  assert.is(histogramQuantile(0.99, [{ le: 1, count: 1 }, { le: Infinity, count: 10 }]), 1)
})

test('/api/status returns the documented shape with the registry\'s figures; secrets masked', async () => {
  const app = 'dash-shape'
  const config = loadConfig({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: 'hunter2-sasl', REDIS_URL: 'redis://default:hunter2-redis@127.0.0.1:1/0' })
  const topology = await describeApp('score', config)
  await runApp(app, { ...quiet, metricsPort: 0, config, topology }, async ({ metricsServer }) => {
    const url = `http://127.0.0.1:${metricsServer!.port}`
    const labels = { app }
    metrics.transactions.inc({ ...labels, outcome: 'committed' }, 3)
    metrics.transactions.inc({ ...labels, outcome: 'aborted' }, 1)
    for (const seconds of [0.02, 0.02, 0.03, 0.2]) metrics.batchSeconds.observe(labels, seconds)
    metrics.deadLettered.inc({ ...labels, reason: 'arity' }, 2)
    metrics.deadLettered.inc({ ...labels, reason: 'not-a-number' }, 1)
    metrics.lag.set({ ...labels, topic: 'in', partition: '1' }, 40)
    metrics.committedOffset.set({ ...labels, topic: 'in', partition: '1' }, 960)
    metrics.lag.set({ ...labels, topic: 'in', partition: '0' }, 7)
    metrics.modelVersion.set({ ...labels, model: 'susy@4' }, 1)
    // Replication as the poll (src/runtime/poll-replication.ts) sets it: partition 1 of `out` lost a replica, partition 0 of `dlq` its leader.
    for (const [topic, partition, replicas, inSync, leader] of [['in', 0, 3, 3, 1], ['in', 1, 3, 3, 2], ['out', 0, 3, 3, 3], ['out', 1, 3, 2, 1], ['dlq', 0, 3, 0, -1]] as const) {
      const at = { ...labels, topic, partition: String(partition) }
      metrics.partitionReplicas.set(at, replicas)
      metrics.partitionInSync.set(at, inSync)
      metrics.partitionLeader.set(at, leader)
    }
    metrics.recordsIn.inc({ ...labels, topic: 'in' }, 100)
    await sleep(1200) // one sample with 100 records, then more records within the rate window
    metrics.recordsIn.inc({ ...labels, topic: 'in' }, 500)
    metrics.recordsOut.inc({ ...labels, topic: 'out' }, 450)
    await sleep(1200)

    const response = await fetch(`${url}/api/status`)
    assert.is(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /application\/json/)
    const status = await response.json() as Status
    shape(status, {
      app: 'string', time: 'string', startedAt: 'string', uptimeSeconds: 'number', topology: 'object|null', config: 'object|null',
      throughput: 'array', lag: 'array', replication: 'array', transactions: 'object', batchLatency: 'object', deadLetters: 'array',
      model: 'object|null', versions: 'array', learning: 'object|null', process: 'object'
    }, 'status')
    assert.is(status.app, app)
    assert.ok(Date.parse(status.time) >= Date.parse(status.startedAt))
    // The topology is the one `streamfit describe score --json` prints.
    assert.equal(status.topology, JSON.parse(JSON.stringify(topology)))
    // The config as the logs show it: no password anywhere in the response.
    assert.not.match(JSON.stringify(status), /hunter2/)
    assert.is((status.config as { redisUrl: string }).redisUrl, 'redis://default:***@127.0.0.1:1/0')

    assert.is(status.throughput.length, 2)
    for (const t of status.throughput) shape(t, { direction: 'string', topic: 'string', total: 'number', perSecond: 'number', series: 'array' }, 'throughput[]')
    const into = status.throughput.find(t => t.direction === 'in')!
    assert.is(into.topic, 'in')
    assert.is(into.total, 600)
    assert.ok(into.perSecond > 0, `perSecond ${into.perSecond}`)
    assert.ok(into.series.length >= 2 && into.series.every(p => p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number'))
    assert.equal(status.throughput.find(t => t.direction === 'out')?.total, 450)

    assert.equal(status.lag, [{ topic: 'in', partition: 0, lag: 7, committed: null }, { topic: 'in', partition: 1, lag: 40, committed: 960 }])
    assert.equal(status.replication, [
      { topic: 'dlq', partitions: 1, replicas: 3, inSync: 0, underReplicated: [], leaderless: [0] },
      { topic: 'in', partitions: 2, replicas: 3, inSync: 3, underReplicated: [], leaderless: [] },
      { topic: 'out', partitions: 2, replicas: 3, inSync: 2, underReplicated: [1], leaderless: [] }
    ])
    assert.equal(status.transactions, { committed: 3, aborted: 1 })
    shape(status.batchLatency, { batches: 'number', p50: 'number|null', p99: 'number|null', windowSeconds: 'number' }, 'batchLatency')
    assert.is(status.batchLatency.batches, 4)
    // Two of four batches took 20 ms (bucket 10-25 ms), so the median lies in that bucket.
    assert.ok(status.batchLatency.p50! > 0.01 && status.batchLatency.p50! <= 0.025, `p50 ${status.batchLatency.p50}`)
    assert.ok(status.batchLatency.p99! > 0.1 && status.batchLatency.p99! <= 0.25, `p99 ${status.batchLatency.p99}`)
    assert.equal(status.deadLetters, [{ reason: 'arity', count: 2 }, { reason: 'not-a-number', count: 1 }])
    shape(status.model, { version: 'string', since: 'string' }, 'model')
    assert.is(status.model!.version, 'susy@4')
    assert.equal(status.versions.map(v => v.version), ['susy@4'])
    assert.is(status.learning, null) // a scorer has no learning curves
    shape(status.process, { pid: 'number', node: 'string', backend: 'string|null', rssBytes: 'number', eventLoopDelayP50Seconds: 'number|null', eventLoopDelayP99Seconds: 'number|null', uptimeSeconds: 'number' }, 'process')
    assert.is(status.process.pid, process.pid)
    assert.ok(status.process.rssBytes > 1e6)

    // A swap shows up as a new version with its time.
    metrics.modelVersion.remove({ ...labels, model: 'susy@4' })
    metrics.modelVersion.set({ ...labels, model: 'susy@5' }, 1)
    await sleep(1200)
    const swapped = await (await fetch(`${url}/api/status`)).json() as Status
    assert.is(swapped.model!.version, 'susy@5')
    assert.equal(swapped.versions.map(v => v.version), ['susy@4', 'susy@5'])
    assert.ok(Date.parse(swapped.model!.since) > Date.parse(swapped.versions[0].at))
  })
})

test('train and online status carry learning curves and epoch progress', async () => {
  await runApp('train', { ...quiet, metricsPort: 0 }, async ({ metricsServer }) => {
    metrics.trainingEpochs.set({ app: 'train' }, 10)
    metrics.trainingEpoch.set({ app: 'train' }, 1)
    metrics.epochLoss.set({ app: 'train' }, 0.6)
    metrics.epochAccuracy.set({ app: 'train' }, 0.7)
    metrics.modelVersion.set({ app: 'train', model: 'susy' }, 0)
    await sleep(1100)
    metrics.trainingEpoch.set({ app: 'train' }, 2)
    metrics.epochLoss.set({ app: 'train' }, 0.5)
    metrics.epochAccuracy.set({ app: 'train' }, 0.75)
    await sleep(1100)
    const status = await (await fetch(`http://127.0.0.1:${metricsServer!.port}/api/status`)).json() as Status
    shape(status.learning, { accuracy: 'array', loss: 'array', drifts: 'array', epoch: 'number|null', epochs: 'number|null', figures: 'array' }, 'learning')
    assert.equal(status.learning!.accuracy.map(p => p[1]), [0.7, 0.75])
    assert.equal(status.learning!.loss.map(p => p[1]), [0.6, 0.5])
    assert.is(status.learning!.epoch, 2)
    assert.is(status.learning!.epochs, 10)
    assert.equal(status.learning!.figures, [], 'no epoch validated yet')
    assert.is(status.model, null) // not saved yet
  })
})

test('the task\'s figures (streamfit_validation_figure) with their history: multiclass train epochs, a regression online run', async () => {
  await runApp('train', { ...quiet, metricsPort: 0 }, async ({ metricsServer }) => {
    setTaskFigures('train', { task: 'multiclass', rows: 50, accuracy: 0.6, macroF1: 0.5, loss: 0.9, confusion: [], classes: [] })
    await sleep(1100)
    setTaskFigures('train', { task: 'multiclass', rows: 50, accuracy: 0.7, macroF1: 0.65, loss: 0.8, confusion: [], classes: [] })
    await sleep(1100)
    const status = await (await fetch(`http://127.0.0.1:${metricsServer!.port}/api/status`)).json() as Status
    const figures = status.learning!.figures
    for (const f of figures) shape(f, { figure: 'string', value: 'number', series: 'array' }, 'figures[]')
    assert.equal(figures.map(f => [f.figure, f.value, f.series.map(p => p[1])]), [['accuracy', 0.7, [0.6, 0.7]], ['macroF1', 0.65, [0.5, 0.65]], ['loss', 0.8, [0.9, 0.8]]])
  })
  await runApp('online', { ...quiet, metricsPort: 0 }, async ({ metricsServer }) => {
    setTaskFigures('online', { task: 'regression', rows: 64, rmse: 2.5, mae: 2, r2: 0.3 })
    await sleep(1100)
    const status = await (await fetch(`http://127.0.0.1:${metricsServer!.port}/api/status`)).json() as Status
    assert.ok(status.learning !== null, 'figures alone make a learning part')
    assert.equal(status.learning!.figures.map(f => [f.figure, f.value]), [['rmse', 2.5], ['mae', 2], ['r2', 0.3]])
    assert.equal(status.learning!.drifts, [], 'no drift yet')
    const before = Date.now()
    metrics.driftDetections.inc({ app: 'online' })
    await sleep(1100)
    const drifted = await (await fetch(`http://127.0.0.1:${metricsServer!.port}/api/status`)).json() as Status
    assert.is(drifted.learning!.drifts.length, 1, 'a detection is marked once')
    assert.is(drifted.learning!.drifts[0][1], 1)
    assert.ok(drifted.learning!.drifts[0][0] >= before - 1000, 'marked when it happened')
  })
  metrics.validationFigure.reset()
  metrics.driftDetections.reset()
})

test('the page and its files are served by the app (no CDN), loopback only by default', async () => {
  await runApp('dash-page', { ...quiet, metricsPort: 0 }, async ({ metricsServer }) => {
    const port = metricsServer!.port
    const url = `http://127.0.0.1:${port}`
    const page = await fetch(`${url}/`)
    assert.is(page.status, 200)
    assert.match(page.headers.get('content-type') ?? '', /text\/html/)
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    const html = await page.text()
    assert.match(html, /<script type="module" src="\/dashboard.js">/)
    for (const [path, type] of [['/dashboard.js', /javascript/], ['/dashboard.css', /text\/css/]] as const) {
      const r = await fetch(`${url}${path}`)
      assert.is(r.status, 200, path)
      assert.match(r.headers.get('content-type') ?? '', type)
      // Nothing is fetched from another origin (the SVG namespace is an identifier, not a request).
      assert.not.match((await r.text()).replace('http://www.w3.org/2000/svg', ''), /https?:\/\//, path)
    }
    assert.not.match(html, /https?:\/\//)
    assert.is((await fetch(`${url}/../package.json`)).status, 404)
    assert.is((await fetch(`${url}/dashboard.js.map`)).status, 404)
    assert.is((await fetch(`${url}/api/status`, { method: 'POST' })).status, 404)
    assert.equal(appOptions({}, { STREAMFIT_METRICS_HOST: '0.0.0.0' }), { metricsHost: '0.0.0.0' })
    assert.equal(appOptions({ metricsHost: '::1' }, { STREAMFIT_METRICS_HOST: '0.0.0.0' }), { metricsHost: '::1' })
    // Bound to 127.0.0.1: another interface of this machine is refused.
    const other = Object.values(networkInterfaces()).flat().find(i => i !== undefined && i.family === 'IPv4' && !i.internal)
    if (other !== undefined) {
      let refused = false
      try { await fetch(`http://${other.address}:${port}/api/status`, { signal: AbortSignal.timeout(3000) }) } catch { refused = true }
      assert.ok(refused, `dashboard answered on ${other.address}`)
    }
  })
})

test.run()
