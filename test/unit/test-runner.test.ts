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

const RUNNER = join(PACKAGE_ROOT, 'dist', 'test', 'support', 'run-suites.js')

async function runLeaky (passes: boolean): Promise<{ code: number, output: string, ms: number }> {
  const started = Date.now()
  const env = { ...process.env, STREAMFIT_TEST_EXIT_GRACE_MS: '300', LEAKY_SUITE_PASSES: passes ? '1' : '0', NO_COLOR: '1', FORCE_COLOR: '0' }
  try {
    const { stdout, stderr } = await run(process.execPath, [RUNNER, join(PACKAGE_ROOT, 'dist', 'test', 'support'), '^leaky-suite\\.js$'], { env, timeout: 20_000 })
    return { code: 0, output: stdout + stderr, ms: Date.now() - started }
  } catch (error) {
    const e = error as { code: number, stdout: string, stderr: string }
    return { code: e.code, output: e.stdout + e.stderr, ms: Date.now() - started }
  }
}

test('run-suites ends a run whose failed test left a handle open, with exit code 1 and a warning', async () => {
  // uvu's own CLI never exits here: the interval keeps the event loop alive.
  const { code, output, ms } = await runLeaky(false)
  assert.is(code, 1, output)
  assert.match(output, /\(0 \/ 1\)/)
  assert.match(output, /handles still open/)
  assert.ok(ms < 15_000, `took ${ms} ms`)
})

test('run-suites keeps exit code 0 when the tests passed, and still says a handle was left open', async () => {
  const { code, output } = await runLeaky(true)
  assert.is(code, 0, output)
  assert.match(output, /\(1 \/ 1\)/)
  assert.match(output, /handles still open/)
})

test.run()
