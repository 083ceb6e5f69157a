// The test runner itself: uvu 0.5.6 reported a suite whose before hook threw as `(0 / N)` and
// exited 0, with the error nowhere (a `return` in its runner's `finally` swallows it); an after
// hook's error escaped the runner and ended the whole run. patches/uvu+0.5.6.patch (applied on
// install by patch-package) makes either a failure of its suite, with the error shown.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { PACKAGE_ROOT } from '../support/paths.js'

const run = promisify(execFile)
const SUITE = join(PACKAGE_ROOT, 'dist', 'test', 'support', 'uvu-hook-suite.js')

async function runSuite (where: string): Promise<{ code: number, output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SUITE], { env: { ...process.env, UVU_HOOK_THROWS: where, NO_COLOR: '1', FORCE_COLOR: '0' } })
    return { code: 0, output: stdout + stderr }
  } catch (error) {
    const e = error as { code: number, stdout: string, stderr: string }
    return { code: e.code, output: e.stdout + e.stderr }
  }
}

test('a suite whose hooks pass runs its test and exits 0', async () => {
  const { code, output } = await runSuite('nowhere')
  assert.is(code, 0, output)
  assert.match(output, /\(1 \/ 1\)/)
})

test('a before hook that throws fails the run, with its error shown', async () => {
  const { code, output } = await runSuite('before')
  assert.is(code, 1, output)
  assert.match(output, /the before hook broke/)
  assert.match(output, /\(0 \/ 1\)/)
})

test('an after hook that throws fails the run, with its error shown', async () => {
  const { code, output } = await runSuite('after')
  assert.is(code, 1, output)
  assert.match(output, /the after hook broke/)
})

test.run()
