// The worker-backed ModelRunner: predictions, reproducibility, and the point of the worker:
// Kafka group membership survives training that lasts longer than the session timeout.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { concatMap, from as rxFrom, lastValueFrom, toArray } from 'rxjs'
import { withAdmin, deleteTopics } from '../src/kafka/admin.js'
import { ModelRunner } from '../src/ml/runner.js'
import { trainBatches } from '../src/ml/train-batches.js'
import { commitRecords } from '../src/kafka/offsets.js'
import { createGroupConsumer, fromGroup } from '../src/sources/index.js'
import { decodeCsv } from '../src/operators/decode-csv.js'
import { batch } from '../src/operators/batch.js'
import { toArrays } from '../src/operators/to-arrays.js'
import { kafka, readSusyCsv, SUSY_8K, syntheticTopic, unique } from './ml-fixtures.js'
import { TEST_BACKENDS } from './support/backends.js'

const topics: string[] = []
test.after(async () => { await deleteTopics(kafka, topics) })

for (const backend of TEST_BACKENDS) test(`predict on ${backend}: one probability per row; the caller keeps its arrays; seeded runs repeat exactly`, async () => {
  const { xs, ys } = readSusyCsv(SUSY_8K)
  const train = { xs: xs.subarray(0, 512 * 18), ys: ys.subarray(0, 512) }
  const runs: Float32Array[] = []
  for (let i = 0; i < 2; i++) {
    const runner = await ModelRunner.create({ backend, seed: 11 })
    try {
      assert.is(runner.params, 68_481, 'the tutorial MLP')
      assert.is(runner.backend, backend)
      const steps = await lastValueFrom(
        rxFrom([{ xs: train.xs.subarray(0, 256 * 18), ys: train.ys.subarray(0, 256), n: 256 }, { xs: train.xs.subarray(256 * 18), ys: train.ys.subarray(256), n: 256 }])
          .pipe(trainBatches(runner), toArray()))
      assert.equal(steps.map(s => [s.step, s.n]), [[1, 256], [2, 256]])
      assert.ok(steps.every(s => s.loss > 0 && s.accuracy >= 0 && s.accuracy <= 1))
      const scores = await runner.predict(train.xs, 512)
      assert.is(scores.length, 512)
      assert.ok(scores.every(p => p > 0 && p < 1))
      assert.is(train.xs.length, 512 * 18, 'input not detached by the transfer')
      runs.push(scores)
    } finally {
      await runner.close()
    }
  }
  assert.ok(runs[0].every((v, i) => v === runs[1][i]), 'same seed, same data: same predictions')
})

test('every backend under test predicts what WASM predicts on the same weights (4,096 rows, one batch)', async () => {
  const { xs } = readSusyCsv(SUSY_8K)
  const rows = xs.subarray(0, 4096 * 18)
  const reference = await ModelRunner.create({ backend: 'wasm', seed: 5, learnScaler: true })
  try {
    await reference.fit(rows, new Float32Array(4096).map((_, i) => i % 2), 4096, { epochs: 1, batchSize: 256 })
    const snapshot = await reference.snapshot()
    const expected = await reference.predict(rows, 4096)
    for (const backend of TEST_BACKENDS) {
      const other = await ModelRunner.create({ backend, snapshot })
      try {
        const got = await other.predict(rows, 4096)
        const worst = got.reduce((m, p, i) => Math.max(m, Math.abs(p - expected[i])), 0)
        assert.ok(worst < 1e-5, `${backend}: largest difference from WASM ${worst}`)
      } finally {
        await other.close()
      }
    }
  } finally {
    await reference.close()
  }
})

for (const backend of TEST_BACKENDS) test(`no tensor leaks in the worker on ${backend}: memory is steady across training, prediction, snapshots and loads`, async () => {
  const { xs, ys } = readSusyCsv(SUSY_8K)
  const runner = await ModelRunner.create({ backend, seed: 2, learnScaler: true })
  try {
    const round = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) await runner.trainBatch(xs.subarray(i * 64 * 18, (i + 1) * 64 * 18), ys.subarray(i * 64, (i + 1) * 64), 64)
      await runner.fit(xs.subarray(0, 256 * 18), ys.subarray(0, 256), 256, { epochs: 2, batchSize: 32 })
      await runner.predict(xs.subarray(0, 1000 * 18), 1000)
      await runner.load(await runner.snapshot())
    }
    await round() // creates the optimizer's slots once
    const before = await runner.memory()
    for (let i = 0; i < 3; i++) await round()
    assert.equal(await runner.memory(), before)
    assert.equal(await runner.predict(new Float32Array(0), 0), new Float32Array(0))
  } finally {
    await runner.close()
  }
})

test('a closed runner rejects further requests', async () => {
  const runner = await ModelRunner.create({ backend: 'wasm' })
  await runner.close()
  try {
    await runner.predict(new Float32Array(18), 1)
    assert.unreachable('predict after close')
  } catch (error) {
    assert.match((error as Error).message, /closed/)
  }
})

test('a consumer-group member training longer than its session timeout is never evicted', async () => {
  const SESSION_TIMEOUT = 6000
  const TRAIN_MS = 2.5 * SESSION_TIMEOUT
  const topic = unique('ml-evict')
  const groupId = unique('ml-evict-group')
  topics.push(topic)
  // More rows than the training window can use, so the stream never drains before TRAIN_MS on a fast machine.
  await syntheticTopic(topic, 30000)

  const consumer = createGroupConsumer({ groupId, kafka, sessionTimeout: SESSION_TIMEOUT, heartbeatInterval: 1000 })
  const events: string[] = []
  let heartbeats = 0
  for (const name of ['consumer:group:join', 'consumer:group:leave', 'consumer:rejoin', 'consumer:group:rebalance', 'consumer:heartbeat:error']) {
    consumer.on(name, () => events.push(name))
  }
  consumer.on('consumer:heartbeat:end', () => { heartbeats++ })
  const runner = await ModelRunner.create({ backend: 'wasm', seed: 3 })
  const loopDelay = monitorEventLoopDelay({ resolution: 10 })
  try {
    let started = 0
    let identity = ''
    let committed = 0
    await lastValueFrom(fromGroup({ topics: [topic], groupId, consumer, streamTimeout: 2000 }).pipe(
      decodeCsv(),
      batch(200),
      toArrays(),
      concatMap(async b => {
        if (started === 0) {
          started = performance.now()
          identity = `${consumer.memberId}/${consumer.generationId}`
          loopDelay.enable()
        }
        if (performance.now() - started > TRAIN_MS) return // long enough: let the rest drain
        // 200 rows × 5 epochs: a fraction of a second of compute in the worker per batch.
        await runner.fit(b.xs, b.ys, b.n, { epochs: 5, batchSize: 32 })
        // A commit carries the member id and generation: it fails once the member is evicted.
        await commitRecords(consumer, b.examples.map(e => e.record))
        committed += b.n
      })
    ), { defaultValue: undefined })
    loopDelay.disable()
    const trainedMs = performance.now() - started

    assert.ok(trainedMs > 2 * SESSION_TIMEOUT, `training lasted ${Math.round(trainedMs)} ms, more than twice the session timeout`)
    assert.ok(committed >= 600, `committed ${committed} rows, batch by batch, all accepted`)
    assert.equal(events, ['consumer:group:join'], 'joined once; no leave, rejoin, rebalance or heartbeat error')
    assert.is(`${consumer.memberId}/${consumer.generationId}`, identity, 'same member id and generation throughout')
    assert.ok(heartbeats >= trainedMs / 1000 / 2, `${heartbeats} heartbeats answered in ${Math.round(trainedMs)} ms`)
    const maxDelayMs = loopDelay.max / 1e6
    assert.ok(maxDelayMs < 500, `the main event loop never stalled (max delay ${maxDelayMs.toFixed(0)} ms)`)

    const group = await withAdmin(kafka, admin => admin.describeGroups({ groups: [groupId] }))
    const described = group.get(groupId)
    assert.is(described?.state, 'STABLE')
    assert.equal([...(described?.members.keys() ?? [])], [consumer.memberId], 'the broker still lists this member, alone')
  } finally {
    await runner.close()
    await consumer.close()
  }
})

test('control: the same detector does see an eviction when the main thread blocks past the timeout', async () => {
  const topic = unique('ml-evict-control')
  const groupId = unique('ml-evict-control-group')
  topics.push(topic)
  await syntheticTopic(topic, 10)
  const consumer = createGroupConsumer({ groupId, kafka, sessionTimeout: 6000, heartbeatInterval: 1000 })
  const events: string[] = []
  for (const name of ['consumer:rejoin', 'consumer:heartbeat:error']) consumer.on(name, () => events.push(name))
  try {
    await lastValueFrom(fromGroup({ topics: [topic], groupId, consumer, streamTimeout: 1000 }), { defaultValue: undefined })
    const before = consumer.generationId
    const until = Date.now() + 8000 // what a synchronous training step on the main thread does
    while (Date.now() < until) { /* block the event loop */ }
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise(resolve => setTimeout(resolve, 100))
    assert.ok(events.length > 0 || consumer.generationId !== before, `eviction noticed (events: ${events.join(', ')})`)
  } finally {
    await consumer.close()
  }
})

test.run()
