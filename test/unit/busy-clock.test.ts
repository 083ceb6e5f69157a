// BusyClock: overlapping batches count once, idle gaps not at all, an abandoned attempt is closed.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { BusyClock } from '../../src/runtime/busy-clock.js'

test('counts time with a batch in hand, overlaps once, gaps never', () => {
  const c = new BusyClock()
  c.start(0); c.start(5); c.stop(1, 10); c.stop(1, 20) // two pipelined batches: 0..20
  c.start(1000); c.stop(1, 1030) // after a 980 ms gap
  assert.is(c.ms(5000), 50)
})

test('an open batch counts up to now; a dropped attempt closes it and the next starts afresh', () => {
  const c = new BusyClock()
  c.start(0); c.start(1)
  assert.is(c.ms(40), 40)
  c.drop(100)
  assert.is(c.ms(900), 100)
  c.start(1000); c.stop(2, 1010) // more stopped than started: no negative count
  c.stop(1, 2000)
  assert.is(c.ms(3000), 110)
})

test.run()
