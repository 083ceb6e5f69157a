// patches/@platformatic+kafka+1.35.0.patch lets a producer without serializers send a message's
// header map as it is, and share one empty map among messages without headers, instead of
// building two maps per message (a tenth of what the scorer allocated). What reaches the broker
// must not change: with and without serializers, with a Map, an object (with serializers) or no
// headers, and with one map shared by many messages. A Java consumer is the referee.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Producer, stringSerializers } from '@platformatic/kafka'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { javaReadCommitted } from '../support/java-referee.js'
import { uniqueName } from '../support/names.js'

const kafka = loadConfig().kafka
const brokers = kafka.brokers.join(',')
const created: string[] = []
test.after(async () => { await deleteTopics(kafka, created) })

async function topic (): Promise<string> {
  const name = uniqueName('headers')
  created.push(name)
  await ensureTopics(kafka, [{ name, partitions: 1 }])
  return name
}

test('without serializers: no headers, a Map, and one Map shared by two messages', async () => {
  const t = await topic()
  const shared = new Map([[Buffer.from('model'), Buffer.from('susy@1')]])
  const producer = new Producer({ ...connectionOptions(kafka, 'headers-test'), acks: -1 })
  try {
    await producer.send({
      messages: [
        { topic: t, value: Buffer.from('none') },
        { topic: t, value: Buffer.from('map'), headers: new Map([[Buffer.from('a'), Buffer.from('1')], [Buffer.from('b'), Buffer.from('2')]]) },
        { topic: t, value: Buffer.from('shared-1'), headers: shared },
        { topic: t, value: Buffer.from('shared-2'), headers: shared },
        { topic: t, value: Buffer.from('none-again') }
      ]
    })
    await producer.send({ messages: [{ topic: t, value: Buffer.from('next-send') }] })
  } finally {
    await producer.close()
  }
  assert.equal(await javaReadCommitted(brokers, t, undefined, { headers: true }), [
    '0 0 none headers=',
    '0 1 map headers=a=1,b=2',
    '0 2 shared-1 headers=model=susy@1',
    '0 3 shared-2 headers=model=susy@1',
    '0 4 none-again headers=',
    '0 5 next-send headers='
  ])
})

test('with serializers: headers are serialized, and a message without any still has none', async () => {
  const t = await topic()
  const producer = new Producer<string, string, string, string>({ ...connectionOptions(kafka, 'headers-test'), acks: -1, serializers: stringSerializers })
  try {
    await producer.send({
      messages: [
        { topic: t, key: 'k', value: 'with', headers: new Map([['trace', 'abc']]) },
        { topic: t, key: 'k', value: 'without' },
        { topic: t, key: 'k', value: 'object', headers: { d: '4' } as never }
      ]
    })
  } finally {
    await producer.close()
  }
  assert.equal(await javaReadCommitted(brokers, t, undefined, { headers: true }), [
    '0 0 with headers=trace=abc',
    '0 1 without headers=',
    '0 2 object headers=d=4'
  ])
})

test.run()
