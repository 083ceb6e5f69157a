// A produce request that fails on some partitions and appends to the others must be retried for
// the failed partitions only. @platformatic/kafka 1.35.0 re-sent the whole request, so a plain
// (non-idempotent) producer wrote the appended partitions again: `streamfit load` right after
// creating its topics, the dead-letter producer and this suite's own topic fills all use one.
// patches/@platformatic+kafka+1.35.0.patch sends the failed partitions only and reports the
// appended ones with the result. A Java read_committed consumer is the referee.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Producer, producerSendsChannel } from '@platformatic/kafka'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { javaReadCommitted } from '../support/java-referee.js'
import { uniqueName } from '../support/names.js'

const kafka = loadConfig().kafka
const brokers = kafka.brokers.join(',')
const created: string[] = []
test.after(async () => { await deleteTopics(kafka, created) })

/**
 * A produce request whose first attempt appends to one partition and fails on another, every time:
 * `doomed` is deleted after the producer cached its metadata, so the broker answers
 * UNKNOWN_TOPIC_OR_PARTITION for it while it appends to `healthy`; the producer then refreshes
 * its metadata, which (autocreateTopics) creates `doomed` again, and sends once more.
 */
async function partlyFailingSend (producer: Producer): Promise<{ healthy: string, doomed: string, result: Awaited<ReturnType<Producer['send']>> }> {
  const healthy = uniqueName('retry-ok')
  const doomed = uniqueName('retry-doomed')
  created.push(healthy, doomed)
  await ensureTopics(kafka, [{ name: healthy, partitions: 1 }, { name: doomed, partitions: 1 }])
  await producer.send({ messages: [{ topic: healthy, value: Buffer.from('first') }, { topic: doomed, value: Buffer.from('old') }] })
  await deleteTopics(kafka, [doomed])
  const result = await producer.send({
    autocreateTopics: true,
    messages: [{ topic: healthy, value: Buffer.from('second') }, { topic: doomed, value: Buffer.from('again') }]
  })
  return { healthy, doomed, result }
}

test('a partly failed produce is sent again for its failed partitions only: the appended one is written once', async () => {
  const producer = new Producer({ ...connectionOptions(kafka, 'retry-test'), acks: -1, retryDelay: 100 })
  try {
    const { healthy, doomed, result } = await partlyFailingSend(producer)
    // Without the patch healthy reads first, second, second: the second attempt wrote it again.
    assert.equal(await javaReadCommitted(brokers, healthy), ['0 0 first', '0 1 second'])
    assert.equal(await javaReadCommitted(brokers, doomed), ['0 0 again'])
    // The result still names both partitions, the one appended by the first attempt included.
    const offsets = (result.offsets ?? []).map(o => `${o.topic === healthy ? 'healthy' : 'doomed'}:${o.partition}@${o.offset}`).sort()
    assert.equal(offsets, ['doomed:0@0', 'healthy:0@1'])
  } finally {
    await producer.close()
  }
})

test('the producer\'s acks option is the acks of its sends', async () => {
  // @platformatic/kafka 1.35.0 ignored it and sent with acks 1 unless each send gave its own.
  const seen: number[] = []
  const handlers = {
    start (context: unknown): void { seen.push(Number((context as { options: { acks: number } }).options.acks)) },
    end () {},
    asyncStart () {},
    asyncEnd () {},
    error () {}
  }
  producerSendsChannel.subscribe(handlers)
  const topic = uniqueName('retry-acks')
  created.push(topic)
  await ensureTopics(kafka, [{ name: topic, partitions: 1 }])
  const all = new Producer({ ...connectionOptions(kafka, 'acks-all'), acks: -1 })
  const none = new Producer({ ...connectionOptions(kafka, 'acks-leader') })
  try {
    await all.send({ messages: [{ topic, value: Buffer.from('a') }] })
    await none.send({ messages: [{ topic, value: Buffer.from('b') }] })
    await all.send({ acks: 1, messages: [{ topic, value: Buffer.from('c') }] })
  } finally {
    producerSendsChannel.unsubscribe(handlers)
    await all.close()
    await none.close()
  }
  assert.equal(seen, [-1, 1, 1])
})

test.run()
