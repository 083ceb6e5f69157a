// topologies/train.ts against the real broker: epochs as fresh reads, dead letters written once,
// the epoch cache changing nothing but where records come from, and a stop between steps.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Producer } from '@platformatic/kafka'
import { lastValueFrom, toArray } from 'rxjs'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { fromPartition } from '../../src/sources/partition.js'
import { readDeadLetterHeaders } from '../../src/sinks/dead-letter.js'
import { runTrain } from '../../topologies/train.js'
import { kafka, readSusyRows, syntheticTopic } from '../support/ml.js'
import { uniqueName } from '../support/names.js'

const topics: string[] = []
test.after(async () => { await deleteTopics(kafka, topics) })

async function topicsFor (name: string): Promise<{ train: string; dlq: string }> {
  const t = { train: uniqueName(`${name}-train`), dlq: uniqueName(`${name}-dlq`) }
  topics.push(t.train, t.dlq)
  await ensureTopics(kafka, [{ name: t.dlq, partitions: 1 }])
  return t
}

test('bad records go to the dead-letter topic once, not once per epoch; every good row trains each epoch', async () => {
  const t = await topicsFor('train-dlq')
  await syntheticTopic(t.train, 300)
  const producer = new Producer({ ...connectionOptions(kafka, 'test-producer'), acks: -1 })
  await producer.send({
    messages: [
      { topic: t.train, key: Buffer.from('1'), value: Buffer.from('1,2,3') },
      { topic: t.train, key: Buffer.from('x'), value: Buffer.from(Array(18).fill('0.5').join(',')) }
    ]
  })
  await producer.close()

  const result = await runTrain({ kafka, topic: t.train, dlqTopic: t.dlq, epochs: 3, validationFraction: 0, batchSize: 64, backend: 'wasm', seed: 1 })
  await result.runner.close()
  assert.is(result.rows, 300)
  assert.equal(result.epochs.map(e => [e.epoch, e.rows, e.step]), [[1, 300, 5], [2, 300, 5], [3, 300, 5]])
  assert.is(result.deadLettered, 2)
  assert.equal(result.offsets, { [t.train]: { 0: 302n } })
  const dead = await lastValueFrom(fromPartition({ kafka, topic: t.dlq }).pipe(toArray()))
  assert.equal(dead.map(r => [readDeadLetterHeaders(r.headers).offset, readDeadLetterHeaders(r.headers).reason]), [[300n, 'arity'], [301n, 'bad-label']])
})

test('the epoch cache trains the very same model as re-reading Kafka (same seed)', async () => {
  const t = await topicsFor('train-cache')
  await syntheticTopic(t.train, 500, 5)
  const { xs } = readSusyRows()
  const probe = xs.subarray(0, 200 * 18)
  const predictions: Float32Array[] = []
  for (const cache of [false, true]) {
    const result = await runTrain({ kafka, topic: t.train, dlqTopic: t.dlq, epochs: 3, validationFraction: 0, batchSize: 50, shuffleBuffer: 64, backend: 'wasm', seed: 9, cache })
    try {
      assert.equal(result.epochs.map(e => e.rows), [500, 500, 500])
      predictions.push(await result.runner.predict(probe, 200))
    } finally {
      await result.runner.close()
    }
  }
  assert.ok(predictions[0].every((p, i) => p === predictions[1][i]), 'identical predictions with and without the cache')
})

test('a stop signal ends training after the step in hand; only whole epochs are reported', async () => {
  const t = await topicsFor('train-stop')
  await syntheticTopic(t.train, 640)
  const controller = new AbortController()
  const result = await runTrain({
    kafka,
    topic: t.train,
    dlqTopic: t.dlq,
    epochs: 5,
    batchSize: 64,
    backend: 'wasm',
    signal: controller.signal,
    onStep: p => { if (p.epoch === 2 && p.step === 3) controller.abort() }
  })
  await result.runner.close()
  assert.ok(result.interrupted)
  assert.equal(result.epochs.map(e => e.epoch), [1])
})

test.run()
