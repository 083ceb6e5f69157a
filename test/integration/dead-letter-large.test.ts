// A record too large to copy into the dead-letter topic must not be a poison pill: a value so
// close to the broker's 1 MiB limit that its copy plus the dead-letter headers goes over it
// would abort the transaction on every retry and every restart. Dead letters keep at most
// MAX_DEAD_LETTER_VALUE_BYTES of the value, with a header giving the original size; here a
// 900 KB record and one just under 1 MiB sit among normal rows, and the scorer goes on: every
// input exactly once, as a prediction or a dead letter.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Producer } from '@platformatic/kafka'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { DLQ_HEADERS, MAX_DEAD_LETTER_VALUE_BYTES } from '../../src/sinks/dead-letter.js'
import { readByOutcome, summarize, verifyExactlyOnce } from '../support/eos-verifier.js'
import { startScorer } from '../support/scorer-process.js'
import { dropTestModels, storeTestModel } from '../support/stored-model.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()
const kafka = config.kafka

test('a 900 KB record among normal rows: a truncated dead letter, headers saying so, the stream goes on', async () => {
  const id = uniqueName('dlq-large')
  const env = { brokers: kafka.brokers.join(','), redisUrl: config.redisUrl, registryPrefix: `streamfit-test:${id}:`, input: `${id}-in`, predictions: `${id}-pred`, dlq: `${id}-dlq` }
  await writeSynthetic(kafka, env.input, 1_000, { partitions: 1 })
  // One field of 900 KB: not a number, and the reason's detail quotes it.
  const big = Buffer.alloc(900 * 1024, 'x')
  // The broker takes a record batch of up to 1,048,588 bytes: this record fits, its dead letter would not.
  const huge = Buffer.alloc(1024 * 1024 - 200, 'y')
  const producer = new Producer({ ...connectionOptions(kafka, 'large'), idempotent: true })
  await producer.send({ messages: [{ topic: env.input, partition: 0, key: Buffer.from('1'), value: big }] })
  await producer.send({ messages: [{ topic: env.input, partition: 0, key: Buffer.from('0'), value: huge }] })
  await producer.close()
  await writeSynthetic(kafka, env.input, 1_000, { partitions: 1 })
  await ensureTopics(kafka, [{ name: env.predictions, partitions: 1 }, { name: env.dlq, partitions: 1 }])
  await storeTestModel(env.redisUrl, env.registryPrefix)
  try {
    const result = await startScorer(env, ['--group', `${id}-g`, '--transactional-id', `${id}-tx`, '--batch-size', '200', '--max-wait-ms', '50',
      '--session-timeout', '10000', '--stream-timeout', '3000', '--backend', 'wasm']).result()
    assert.is(Number(result.records), 2_002)
    assert.is(Number(result.deadLettered), 2)
    const report = await verifyExactlyOnce(kafka, { inputTopic: env.input, predictionsTopic: env.predictions, dlqTopic: env.dlq })
    assert.is(report.inputs, 2_002)
    assert.is(report.duplicates.length + report.missing.length + report.unexpected.length + report.open + report.wrongKeys, 0, summarize(report))
    const letters = (await readByOutcome(kafka, env.dlq)).committed
    assert.is(letters.length, 2)
    for (const [letter, original, offset] of [[letters[0]!, big, '1000'], [letters[1]!, huge, '1001']] as const) {
      assert.is(letter.headers.get(DLQ_HEADERS.offset)?.toString(), offset)
      assert.is(letter.headers.get(DLQ_HEADERS.truncated)?.toString(), String(original.length), 'the header gives the original size')
      assert.is(letter.value?.length, MAX_DEAD_LETTER_VALUE_BYTES)
      assert.ok(letter.value!.equals(original.subarray(0, MAX_DEAD_LETTER_VALUE_BYTES)), 'the value is the original\'s beginning')
      const detail = letter.headers.get(DLQ_HEADERS.detail)
      assert.ok(detail === undefined || detail.length <= 1024, `the detail header is bounded too (${detail?.length})`)
    }
  } finally {
    await deleteTopics(kafka, [env.input, env.predictions, env.dlq])
    await dropTestModels(env.redisUrl, env.registryPrefix)
  }
})

test.run()
