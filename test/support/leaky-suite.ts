// A suite that leaves a timer running, like a test that failed before closing its client; run
// by unit/test-runner.test.ts through run-suites. Not named *.test.js: no run of the suites picks it up.
import { test } from 'uvu'
import * as assert from 'uvu/assert'

test('a test that fails and leaves a handle open', () => {
  setInterval(() => {}, 1000)
  assert.is(process.env.LEAKY_SUITE_PASSES, '1')
})
test.run()
