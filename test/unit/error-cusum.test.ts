// The CUSUM on the prequential error (src/online/error-cusum.ts) on simulated 0/1 error streams
// with known change points, over many seeds: how soon it sees a doubled error rate, how often it
// alarms when nothing changed (the price of seeing SEA's drifts; the same whatever the error rate),
// and that a test restored from its saved state continues exactly as the one that was never stopped.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ErrorCusum } from '../../src/online/error-cusum.js'
import { seededRandom } from '../../src/random.js'

/** Rows at which the test alarms on `rows` errors drawn at rate `rate(i)`. */
function alarms (seed: number, rows: number, rate: (i: number) => number, test = new ErrorCusum()): number[] {
  const random = seededRandom(seed)
  const at: number[] = []
  for (let i = 0; i < rows; i++) if (test.add(random() < rate(i) ? 1 : 0)) at.push(i)
  return at
}

test('an error rate doubled at row 3,000 (0.1 → 0.2, SEA\'s kind of drift): seen within 400 rows on every seed of 100 (counted from the end of the pause when a false alarm came just before), within 200 of the change on at least 80', () => {
  const { minRows } = new ErrorCusum().options
  let soon = 0
  for (let seed = 1; seed <= 100; seed++) {
    const at = alarms(seed, 4500, i => i < 3000 ? 0.1 : 0.2)
    const first = at.find(i => i >= 3000)
    const before = at.filter(i => i < 3000).at(-1)
    const from = before !== undefined && before + minRows > 3000 ? before + minRows : 3000
    assert.ok(first !== undefined && first < from + 400, `seed ${seed}: ${String(first)} (previous alarm ${String(before)})`)
    if (first < 3200) soon++
  }
  assert.ok(soon >= 80, `${soon} of 100`)
})

test('labels inverted (0.23 → 0.77, SUSY\'s abrupt drift): seen within 30 rows on every seed, or 30 rows after the pause that follows a false alarm just before it', () => {
  const { minRows } = new ErrorCusum().options
  for (let seed = 1; seed <= 100; seed++) {
    const at = alarms(seed, 4500, i => i < 4000 ? 0.23 : 0.77)
    const first = at.find(i => i >= 4000)
    const before = at.filter(i => i < 4000).at(-1)
    const from = before !== undefined && before + minRows > 4000 ? before + minRows : 4000
    assert.ok(first !== undefined && first >= from && first < from + 30, `seed ${seed}: ${String(first)} (previous alarm ${String(before)})`)
  }
})

test('no change: false alarms no more often than the setting (once per 600 rows), and as often at 5%, 10% or 23% errors (the threshold follows the rate)', () => {
  const { falseAlarmRows } = new ErrorCusum().options
  const per10k = [0.05, 0.1, 0.23].map(rate => {
    let total = 0
    for (let seed = 1; seed <= 100; seed++) {
      const at = alarms(seed, 10_000, () => rate)
      assert.ok(at.every(i => i >= 999), `rate ${rate}, seed ${seed}: an alarm in the warm-up, ${at.join(', ')}`)
      total += at.length
    }
    return total / 100
  })
  for (const n of per10k) assert.ok(n <= 10_000 / falseAlarmRows, `${per10k.join(', ')} per 10,000 rows`)
  assert.ok(Math.max(...per10k) < 1.5 * Math.min(...per10k), `${per10k.join(', ')} per 10,000 rows at 5%, 10%, 23%`)
})

test('every error or none: rates pinned away from 0 and 1, so the test neither divides by zero nor stalls', () => {
  const perfect = alarms(1, 3000, i => i < 2000 ? 0 : 0.3)
  assert.ok(perfect.length >= 1 && perfect[0] >= 2000 && perfect[0] < 2060, perfect.join(', '))
  const test = new ErrorCusum()
  for (let i = 0; i < 2000; i++) test.add(1)
  assert.ok(Number.isFinite(test.statistic))
  assert.not.ok(test.add(Number.NaN), 'a row without an error value is skipped')
})

test('a test restored from its saved state continues exactly as the uninterrupted one', () => {
  const rate = (i: number): number => i < 4000 ? 0.12 : 0.25
  const whole = alarms(9, 9000, rate)
  assert.ok(whole.length >= 1, 'the stream has alarms to reproduce')
  for (const cut of [1, 999, 4030, 4100, 8000]) {
    const random = seededRandom(9)
    const first = new ErrorCusum()
    const at: number[] = []
    for (let i = 0; i < cut; i++) if (first.add(random() < rate(i) ? 1 : 0)) at.push(i)
    const resumed = new ErrorCusum({}, JSON.parse(JSON.stringify(first.state())))
    for (let i = cut; i < 9000; i++) if (resumed.add(random() < rate(i) ? 1 : 0)) at.push(i)
    assert.equal(at, whole, `cut at ${cut}`)
  }
})

test.run()
