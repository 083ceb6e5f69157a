// FlowControl on its own: the credit arithmetic the sources rely on (no broker needed).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { FlowControl } from '../../src/index.js'

test('full from the high-water mark until drained to the low-water mark, one drain per episode', () => {
  const flow = new FlowControl(4, 1)
  let drains = 0
  flow.onDrain(() => { drains++ })
  flow.emitted(3)
  assert.is(flow.full, false)
  flow.emitted(1)
  assert.is(flow.full, true)
  flow.release(2)
  assert.is(flow.full, true, 'still above the low-water mark')
  assert.is(drains, 0)
  flow.release(1)
  assert.is(flow.full, false)
  assert.is(drains, 1)
  flow.release(1)
  assert.is(drains, 1, 'no drain without a full episode')
  assert.is(flow.buffered, 0)
  assert.is(flow.maxBuffered, 4)
})

test('whenReady resolves at once with room, else on the drain', async () => {
  const flow = new FlowControl(2)
  await flow.whenReady()
  flow.emitted(2)
  let ready = false
  const waiting = flow.whenReady().then(() => { ready = true })
  await Promise.resolve()
  assert.is(ready, false)
  flow.release(2)
  await waiting
  assert.is(ready, true)
})

test('whenReady also resolves when its signal aborts (a source torn down while it waits)', async () => {
  const flow = new FlowControl(2)
  flow.emitted(2)
  const teardown = new AbortController()
  let ready = false
  const waiting = flow.whenReady(teardown.signal).then(() => { ready = true })
  await Promise.resolve()
  assert.is(ready, false)
  teardown.abort()
  await waiting
  assert.is(ready, true)
  // An aborted signal does not wait at all.
  await flow.whenReady(teardown.signal)
  assert.ok(flow.full, 'still full: it was the signal that ended the waits')
})

test('releasing more than was emitted is a bug, reported as such', () => {
  const flow = new FlowControl(10)
  flow.emitted(1)
  assert.throws(() => flow.release(2), /released 2 records but only 1 are outstanding/)
  assert.throws(() => new FlowControl(0), /highWaterMark/)
  assert.throws(() => new FlowControl(4, 4), /lowWaterMark/)
})

test.run()
