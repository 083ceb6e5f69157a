// Drift detection in `streamfit online`, against the real broker and Redis: real SUSY rows whose
// label rule is inverted at a known offset. The learner must detect the drift soon after that
// offset (and not before it); SIGKILLed right after a version saved mid-drift (the detection made,
// its action under way), the restarted learner must resume with exactly the detector state that
// version holds, and the lineage's ranges must tile the topic (read independently): no row
// trained twice, none skipped. Twice: with the large model's default (Page-Hinkley, boost) and with
// the small models' (the error CUSUM, a refit whose window of rows is part of the saved state).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import type { DriftState } from '../../src/online/drift.js'
import { assertLineageTiles, lineageChain, runOnlineCli, spawnOnline, startOnlineFixture, stopFixtures, waitForLine } from '../support/online.js'

const config = loadConfig()
const ROWS = 3200
const DRIFT_AT = 2000
const COMMON = ['--max-records', '128', '--save-every', '2', '--stream-timeout', '4000', '--seed', '5']

test.after(stopFixtures)

/** The JSON log lines of a run's stderr. */
function logLines (stderr: string): Array<Record<string, unknown>> {
  return stderr.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as Record<string, unknown>)
}

test('Page-Hinkley and a boost: detects an inverted label rule near its offset; killed mid-drift, resumes with the saved detector state, every row trained once', async () => {
  const f = await startOnlineFixture(config, 'online-drift', ROWS, { invertFrom: DRIFT_AT })

  // 1. Learn until the drift is detected and a version holding the detection is saved, then SIGKILL.
  const child = spawnOnline(f, COMMON)
  await waitForLine(child, /"msg":"drift detected at row/, 120_000)
  await waitForLine(child, /"msg":"drift detected[^]*"msg":"saved susy@/, 60_000)
  child.kill('SIGKILL')
  const killed = await child.result
  assert.is(killed.signal, 'SIGKILL', killed.stderr)

  const head = (await lineageChain(f)).at(-1)!
  const saved = head.online.drift as DriftState
  assert.ok(saved !== undefined, 'the version holds the detector state')
  assert.is(saved.detections.length, 1, JSON.stringify(saved.detections))
  const offset = Number(saved.detections[0].offset)
  assert.ok(offset >= DRIFT_AT && offset < DRIFT_AT + 300, `detected at offset ${offset}, the labels inverted at ${DRIFT_AT}`)
  // SUSY's MLP is a large model: 'auto' gives it Page-Hinkley and the boost.
  assert.ok(saved.boostLeft > 0 && saved.baseRate !== null && saved.refit === undefined, `killed while the boost was under way: ${JSON.stringify(saved)}`)

  // 2. The restarted learner resumes from that version with exactly its detector state.
  const rest = await runOnlineCli(f, [...COMMON, '--json'])
  assert.is(rest.code, 0, rest.stderr)
  const resumed = logLines(rest.stderr).find(l => typeof l.msg === 'string' && l.msg.startsWith('drift detector resumed from'))
  assert.ok(resumed !== undefined, rest.stderr)
  assert.is(resumed.msg, `drift detector resumed from ${head.ref} (1 detection(s) so far)`)
  assert.equal(resumed.drift, saved, 'the detector state the restarted learner continues = the one saved with the version')
  assert.equal(rest.json.driftDetections, [], 'no second detection: the restarted learner kept the first one, not a fresh detector')

  // 3. Exactly once, against an independent read of the topic; the detection carried to the head.
  await assertLineageTiles(f, ROWS)
  const last = (await lineageChain(f)).at(-1)!
  assert.equal(last.online.drift?.detections, saved.detections)
})

test('the error CUSUM and a refit: detected near the offset; killed mid-refit, resumes with the saved window of rows, every row trained once', async () => {
  const f = await startOnlineFixture(config, 'online-drift-refit', ROWS, { invertFrom: DRIFT_AT })
  // False alarms made rare (at the default, one in four runs has one in the 300 rows before the change).
  const flags = [...COMMON, '--drift', 'cusum', '--drift-false-alarm-rows', '20000']
  const child = spawnOnline(f, flags)
  await waitForLine(child, /"msg":"drift detected[^]*"msg":"saved susy@/, 120_000)
  child.kill('SIGKILL')
  assert.is((await child.result).signal, 'SIGKILL')

  const head = (await lineageChain(f)).at(-1)!
  const saved = head.online.drift as DriftState
  assert.is(saved.detections.length, 1, JSON.stringify(saved.detections))
  const offset = Number(saved.detections[0].offset)
  assert.ok(offset >= DRIFT_AT && offset < DRIFT_AT + 100, `detected at offset ${offset}, the labels inverted at ${DRIFT_AT}`)
  const refit = saved.refit
  assert.ok(refit !== undefined && refit.left > 0 && refit.ys.length > 0 && refit.xs.length === refit.ys.length * 18, `killed mid-refit, its window saved: ${JSON.stringify({ ...refit, xs: refit?.xs.length, ys: refit?.ys.length })}`)
  assert.ok('errorRate' in saved.detector, 'the CUSUM\'s state')

  const rest = await runOnlineCli(f, [...flags, '--json'])
  assert.is(rest.code, 0, rest.stderr)
  const resumed = logLines(rest.stderr).find(l => typeof l.msg === 'string' && l.msg.startsWith('drift detector resumed from'))
  assert.ok(resumed !== undefined, rest.stderr)
  assert.equal(resumed.drift, saved, 'the restarted learner continues with the saved CUSUM and refit window')
  await assertLineageTiles(f, ROWS)
  const last = (await lineageChain(f)).at(-1)!
  assert.equal(last.online.drift?.detections.slice(0, 1), saved.detections)
})

test.run()
