// The point of the ModelRunner's worker: a Kafka group member keeps its membership through
// training that lasts longer than the session timeout (and the detector does see a real eviction).
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { concatMap, lastValueFrom } from 'rxjs'
import { withAdmin, deleteTopics } from '../../src/kafka/admin.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { commitRecords } from '../../src/kafka/offsets.js'
import { createGroupConsumer, fromGroup } from '../../src/sources/index.js'
import { decodeCsv } from '../../src/operators/decode-csv.js'
import { batch } from '../../src/operators/batch.js'
import { toArrays } from '../../src/operators/to-arrays.js'
import { kafka, syntheticTopic } from '../support/ml.js'
import { uniqueName } from '../support/names.js'

const topics: string[] = []
test.after(async () => { await deleteTopics(kafka, topics) })

test('a consumer-group member training longer than its session timeout is never evicted', async () => {
  const SESSION_TIMEOUT = 6000
  const TRAIN_MS = 2.5 * SESSION_TIMEOUT
  const topic = uniqueName('ml-evict')
  const groupId = uniqueName('ml-evict-group')
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
  const topic = uniqueName('ml-evict-control')
  const groupId = uniqueName('ml-evict-control-group')
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
