// The KRaft cluster id handed to the storage tool: never one the tool would read as an option.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { newClusterId } from '../../src/infra/kafka-broker.js'

test('a draw whose base64url starts with "-" is drawn again', () => {
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)] // 0xf8 encodes to a leading '-'
  assert.ok(draws[0]!.toString('base64url').startsWith('-'), 'the first draw is the bad case')
  const id = newClusterId(() => draws.shift()!)
  assert.is(id, Buffer.alloc(16, 0x01).toString('base64url'))
  assert.is(draws.length, 0)
})

test('ids are 22 base64url characters', () => {
  for (let i = 0; i < 1000; i++) assert.match(newClusterId(), /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/)
})

test.run()
