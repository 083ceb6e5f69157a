// Minimal reproduction for @platformatic/kafka 1.35: read_committed delivers aborted records.
// One transactional producer aborts two transactions of 100 records, then commits 100, on a
// one-partition topic. A read_committed consumer must deliver 100 records; 1.35 delivers 200.
// Then the same reader with one batch per fetch (maxBytes 1): the aborted batches arrive
// without their abort marker, and 1.35 delivers all 300.
//   KAFKA_BROKERS=127.0.0.1:9092 node read-committed-repro.mjs
import { Admin, Consumer, FetchIsolationLevels, Producer, stringSerializers, stringDeserializers } from '@platformatic/kafka'

const bootstrapBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const topic = `rc-repro-${Date.now()}`

const admin = new Admin({ clientId: 'repro', bootstrapBrokers })
await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 })
await admin.close()

const producer = new Producer({ clientId: 'repro', bootstrapBrokers, idempotent: true, transactionalId: `${topic}-tx`, serializers: stringSerializers })
for (const outcome of ['abort', 'abort', 'commit']) {
  const tx = await producer.beginTransaction()
  await tx.send({ messages: Array.from({ length: 100 }, (_, i) => ({ topic, partition: 0, value: `${outcome}-${i}` })) })
  await tx[outcome]()
}
await producer.close()

async function count (maxBytes) {
  const consumer = new Consumer({ clientId: 'repro', bootstrapBrokers, groupId: `${topic}-${maxBytes}`, autocommit: false, maxWaitTime: 200, deserializers: stringDeserializers, ...(maxBytes ? { maxBytes, maxBytesPerPartition: maxBytes } : {}) })
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', isolationLevel: FetchIsolationLevels.READ_COMMITTED })
  const seen = { abort: 0, commit: 0 }
  await new Promise(resolve => {
    let timer = setTimeout(resolve, 3000)
    stream.on('data', m => { seen[m.value.split('-')[0]]++; clearTimeout(timer); timer = setTimeout(resolve, 1000) })
  })
  await stream.close()
  await consumer.close(true)
  return seen
}

const whole = await count()
const cut = await count(1)
console.log('default fetches:       ', whole, '(expected { abort: 0, commit: 100 })')
console.log('one batch per fetch:   ', cut, '(expected { abort: 0, commit: 100 })')
process.exitCode = whole.abort + cut.abort === 0 && whole.commit === 100 && cut.commit === 100 ? 0 : 1
