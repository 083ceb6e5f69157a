// `npm test`'s runner: uvu's own CLI (parse the suites, run them), plus an end. uvu's CLI
// ends only when the event loop is empty, so a test that failed before it closed a Kafka client
// (its sockets stay open) kept the whole run alive until CI's 70-minute timeout. Here the run
// ends GRACE_MS after the last suite, with uvu's exit code and a warning naming the cause.
import { parse } from 'uvu/parse'
import { run } from 'uvu/run'

const GRACE_MS = Number(process.env.STREAMFIT_TEST_EXIT_GRACE_MS ?? 10_000)

const [dir, pattern] = process.argv.slice(2)
if (dir === undefined) {
  console.error('usage: node dist/test/support/run-suites.js <dir> [pattern]')
  process.exit(2)
}
process.env.FORCE_COLOR ??= '1' // uvu's CLI default: colours, also when piped to a log
const { suites } = await parse(dir, pattern)
await run(suites, { bail: false })
setTimeout(() => {
  console.error(`run-suites: handles still open ${GRACE_MS / 1000} s after the last suite (a test left a client or timer running); ending the run`)
  process.exit(process.exitCode ?? 0)
}, GRACE_MS).unref()
