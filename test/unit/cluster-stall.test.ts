// The broker-kill bench's reading of the latency probe's per-record dump: the pause in committed
// output after the kill, when output resumed, and the latencies of the minute around it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { analyseStall } from '../../bench/cluster/stall.js'

const KILL = 1_000_000
const dir = mkdtempSync(join(tmpdir(), 'cluster-stall-'))

/** One input a millisecond from 40 s before the kill to 35 s after, committed every 100 ms; `visible` may move an input's visibility. */
function dump (name: string, visible: (append: number, committed: number) => number, acknowledged = (_: number) => true): string {
  const lines: string[] = []
  for (let t = KILL - 40_000; t < KILL + 35_000; t++) lines.push(`${acknowledged(t) ? t : 0} ${visible(t, Math.ceil((t + 1) / 100) * 100 + 20)}`)
  const file = join(dir, name)
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

test('a 9 s outage after the kill: resumption, pause and the minute\'s p99 come from it; the steady state before does not', () => {
  // Commits stop 50 ms after the kill; everything held back becomes visible at kill + 9,020 ms.
  const f = analyseStall(dump('outage.txt', (_, c) => c > KILL + 50 && c < KILL + 9000 ? KILL + 9020 : c), KILL)
  assert.is(f.resumeMs, 9020)
  assert.is(f.gapMs, 9000)
  assert.is(f.gapBeforeMs, 100)
  assert.ok(f.p99 > 8000 && f.max === 9020, `p99 ${f.p99}, max ${f.max}`)
  assert.ok(f.p99Before < 150, `p99 before ${f.p99Before}`)
  assert.is(f.measured, 60_000)
  assert.is(f.missing, 0)
})

test('no outage: the pause after the kill is a commit interval and the p99 stays where it was', () => {
  const f = analyseStall(dump('steady.txt', (_, c) => c), KILL)
  assert.is(f.gapMs, 100)
  assert.ok(f.resumeMs <= 100, `resume ${f.resumeMs}`)
  assert.is(f.p99, f.p99Before)
})

test('outputs never seen count as missing in the minute around the kill, unacknowledged inputs apart', () => {
  const f = analyseStall(dump('lost.txt', (a, c) => a >= KILL && a < KILL + 10 ? -1 : c, t => t < KILL + 30_000), KILL)
  assert.is(f.missing, 10)
  assert.is(f.unacknowledged, 5000)
  assert.is(f.measured, 60_000 - 10)
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
