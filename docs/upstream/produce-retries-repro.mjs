// Minimal reproduction for @platformatic/kafka 1.35: a plain producer writes records twice.
// Each round creates a 3-partition topic and at once sends 3,000 records (1,000 per partition)
// in one send, as a loader does; then it reads the partitions' end offsets. Right after
// creation the broker may answer NOT_LEADER_OR_FOLLOWER for some partitions and append to the
// others; 1.35 fails to parse that response (its tagged field) and sends the whole request again.
//   KAFKA_BROKERS=127.0.0.1:9092 node produce-retries-repro.mjs [rounds]
import { Admin, Producer } from '@platformatic/kafka'

const bootstrapBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const rounds = Number(process.argv[2] ?? 40)
const admin = new Admin({ clientId: 'repro', bootstrapBrokers })
let doubled = 0
for (let round = 0; round < rounds; round++) {
  const topic = `retry-repro-${Date.now()}-${round}`
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 })
  const producer = new Producer({ clientId: 'repro', bootstrapBrokers, acks: -1 })
  await producer.send({
    messages: Array.from({ length: 3000 }, (_, i) => ({ topic, partition: i % 3, value: Buffer.from(String(i)) }))
  })
  await producer.close()
  const [{ partitions }] = await admin.listOffsets({ topics: [{ name: topic, partitions: [0, 1, 2].map(partitionIndex => ({ partitionIndex, timestamp: -1n })) }] })
  const ends = partitions.map(p => Number(p.offset))
  if (ends.some(end => end !== 1000)) {
    doubled++
    console.log(`round ${round}: end offsets ${ends.join(', ')} (1000 each expected)`)
  }
  await admin.deleteTopics({ topics: [topic] })
}
await admin.close()
console.log(`${doubled} of ${rounds} rounds wrote records twice`)
