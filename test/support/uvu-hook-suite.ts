// A suite with one passing test and a hook that throws where UVU_HOOK_THROWS says ('before' or
// 'after'), run as a child process by unit/test-runner.test.ts. Not named *.test.js: no run
// of the suites picks it up.
import { test } from 'uvu'

const where = process.env.UVU_HOOK_THROWS
test.before(() => { if (where === 'before') throw new Error('the before hook broke') })
test.after(() => { if (where === 'after') throw new Error('the after hook broke') })
test('a test that passes', () => {})
test.run()
