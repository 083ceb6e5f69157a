// Scale-out: several `streamfit score` processes in one consumer group, each with its own
// transactional id, share the partitions of a 6-partition input topic, and exactly-once holds,
// also when instances are killed with SIGKILL and restarted. How throughput grows with instances
// is a benchmark (bench/scale-out.ts), not a timed test: here it is only printed.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { summarize, verifyExactlyOnce } from '../support/eos-verifier.js'
import {
  committedRecords, config, newRun, preloadInTransaction, ROWS, setUp, startScorer, stopAll, tearDown, throughput, waitForGroup
} from '../support/scale-out.js'
import type { CliProcess } from '../support/cli.js'
import { waitFor } from '../support/wait.js'

test.before(setUp)
test.after(tearDown)

// One test measures both runs of the printed ratio, so no test reads a figure another one set.
test('one scorer, then three in one group sharing 6 partitions (every member owns some): every input scored exactly once in both', async () => {
  // throughput() waits until each member owns partitions and verifies the output exactly-once.
  const one = await throughput(1)
  assert.ok(one > 0)
  const three = await throughput(3)
  assert.ok(three > 0)
  console.log(`  scale-out: 3 instances / 1 instance = ${(three / one).toFixed(2)} (a figure, not a check: see bench/scale-out.ts)`)
})

test('three scorers, two killed with SIGKILL and restarted mid-run: every input scored exactly once', async () => {
  const run = newRun('kill')
  const commitInput = await preloadInTransaction(run)
  const scorers = [0, 1, 2].map(n => startScorer(run, n))
  const killed: CliProcess[] = []
  try {
    await waitForGroup(run, 3)
    await commitInput()
    for (const [victim, fraction] of [[1, 0.2], [2, 0.5]] as const) {
      await waitFor(`${fraction * 100}% scored`, async () => await committedRecords(run) >= ROWS * fraction, { timeoutMs: 120_000, everyMs: 20 })
      scorers[victim]!.child.kill('SIGKILL')
      await scorers[victim]!.exited
      killed.push(scorers[victim]!)
      // Restart with the same transactional id: its open transaction (if any) is aborted, and
      // the killed incarnation could no longer commit anything even if it came back.
      scorers[victim] = startScorer(run, victim)
    }
    await waitFor('every record scored after the kills', async () => await committedRecords(run) >= ROWS, { timeoutMs: 180_000, everyMs: 100 })
    const codes = await stopAll(scorers)
    assert.equal(codes, [0, 0, 0], `survivors and restarted scorers exit 0 on SIGTERM\n${scorers.map((s, i) => `--- scorer ${i} (exit ${codes[i]}):\n${s.stderr().slice(-2500)}`).join('\n')}`)
    const report = await verifyExactlyOnce(config.kafka, { inputTopic: run.input, predictionsTopic: run.output, dlqTopic: run.dlq })
    console.log(`  scale-out with kills: ${summarize(report)}`)
    assert.is(report.inputs, ROWS)
    assert.equal(report.duplicates, [], summarize(report))
    assert.equal(report.missing, [], summarize(report))
    assert.equal(report.unexpected, [], summarize(report))
    assert.is(report.wrongKeys, 0)
    assert.is(report.open, 0, 'no transaction left without a marker')
    assert.is(killed.length, 2)
  } finally {
    for (const s of [...scorers, ...killed]) s.child.kill('SIGKILL')
  }
})

test.run()
