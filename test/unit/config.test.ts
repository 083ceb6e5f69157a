import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig, parseNumber } from '../../src/config.js'
import { UsageError } from '../../src/errors.js'

test('defaults point at the embedded broker and Redis', () => {
  const config = loadConfig({})
  assert.equal(config.kafka.brokers, ['127.0.0.1:9092'])
  assert.is(config.redisUrl, 'redis://127.0.0.1:6379')
})

test('bad broker addresses and numbers give a UsageError naming the problem', () => {
  assert.throws(() => loadConfig({ KAFKA_BROKERS: 'localhost' }), (e: Error) => e instanceof UsageError && /host:port/.test(e.message))
  assert.throws(() => parseNumber('--rows', '12x'), (e: Error) => e instanceof UsageError && /--rows/.test(e.message))
  assert.is(parseNumber('--rows', '100'), 100)
})

test.run()
