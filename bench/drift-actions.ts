// What the online learner should do when its drift detector fires: each action measured on the
// same stream, in one process (no Kafka: the learner's predict → detect → act → fit loop as
// topologies/online.ts runs it, mini-batches of 256, 3 epochs of 32, Adam at 0.001, a new model).
// Stream: the 8,000 real SUSY rows of data/susy-8k.csv.gz in file order, the label inverted from
// row 4,000 on (abrupt drift); also the same rows uninverted (stationary), to count false alarms.
// Figures per action (median over seeds): prequential accuracy over the stream, accuracy of the
// 1,000 rows before the drift, and the records after the drift until the accuracy of the last
// 500 rows is back within 2 points of that (recovery).
//
// Run: npx tsc -p . && node dist/bench/drift-actions.js [--seeds 3] [--only 0,2] [--no-stationary] [--json]
import { parseNumber } from '../src/config.js'
import { parseFeatures, parseLabel } from '../src/codec/susy-csv.js'
import { ModelRunner } from '../src/ml/runner.js'
import { DRIFT_DEFAULTS, DriftMonitor, resolveDrift, rowLosses, type DriftSettings } from '../src/online/drift.js'
import { susyMessages } from '../test/support/online.js'
import type { ResolvedTask } from '../src/ml/task-metrics.js'

const ROWS = 8000
const DRIFT_AT = 4000
const BATCH = 256
const WINDOW = 500
const TASK: ResolvedTask = { type: 'binary', classes: ['0', '1'] }

interface Variant { name: string, settings: DriftSettings }
const variants: Variant[] = [
  { name: 'default: boost (6 epochs)', settings: DRIFT_DEFAULTS },
  { name: 'off (today)', settings: { ...DRIFT_DEFAULTS, detector: 'off' } },
  { name: 'reset Adam', settings: { ...DRIFT_DEFAULTS, action: 'reset' } },
  { name: 'boost x3, 1500 rows', settings: { ...DRIFT_DEFAULTS, action: 'boost', boostFactor: 3, boostRows: 1500 } },
  { name: 'boost x10, 1500 rows', settings: { ...DRIFT_DEFAULTS, action: 'boost', boostFactor: 10, boostRows: 1500 } },
  { name: 'boost x3, 4000 rows', settings: { ...DRIFT_DEFAULTS, action: 'boost', boostFactor: 3, boostRows: 4000 } },
  { name: 'rate x3 (Adam kept), 1500 rows', settings: { ...DRIFT_DEFAULTS, action: 'boost', boostFactor: 3, boostRows: 1500, boostResets: false } },
  { name: '6 epochs (Adam kept), 1000 rows', settings: { ...DRIFT_DEFAULTS, action: 'boost', boostFactor: 1, boostFloor: 0, boostRows: 1000, boostResets: false, boostEpochs: 6 } },
  { name: 'x3 + 6 epochs (Adam kept), 1000', settings: { ...DRIFT_DEFAULTS, action: 'boost', boostFactor: 3, boostRows: 1000, boostResets: false, boostEpochs: 6 } },
  { name: 'x3 + 6 epochs + fresh Adam, 1000', settings: { ...DRIFT_DEFAULTS, action: 'boost', boostFactor: 3, boostRows: 1000, boostResets: true, boostEpochs: 6 } }
]

let seeds = 3
let firstSeed = 1
let json = false
let only: string[] | null = null
let stationary = true
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--seeds') seeds = parseNumber('--seeds', process.argv[++i] ?? '', { min: 1 })
  else if (process.argv[i] === '--json') json = true
  else if (process.argv[i] === '--first-seed') firstSeed = parseNumber('--first-seed', process.argv[++i] ?? '', { min: 1 })
  else if (process.argv[i] === '--only') only = (process.argv[++i] ?? '').split(',')
  else if (process.argv[i] === '--no-stationary') stationary = false
  else throw new Error(`unknown argument ${process.argv[i]}`)
}

const xs = new Float32Array(ROWS * 18)
const clean = new Float32Array(ROWS)
susyMessages(ROWS).forEach((m, i) => {
  if (parseFeatures(m.value, xs, i * 18, 18) !== null) throw new Error(`row ${i} does not parse`)
  clean[i] = parseLabel(m.key) as number
})
const drifting = clean.map((y, i) => i >= DRIFT_AT ? 1 - y : y)

interface Run { accuracy: number, preDrift: number, recovery: number, detections: number[] }

async function run (settings: DriftSettings, ys: Float32Array, seed: number): Promise<Run> {
  const runner = await ModelRunner.create({ backend: 'auto', seed })
  const monitor = new DriftMonitor(resolveDrift(settings, false)) // SUSY's MLP is a large model
  const hits = new Uint8Array(ROWS)
  try {
    for (let at = 0; at < ROWS; at += BATCH) {
      const n = Math.min(BATCH, ROWS - at)
      const bx = xs.slice(at * 18, (at + n) * 18)
      const by = ys.slice(at, at + n)
      const p = await runner.predict(bx.slice(), n)
      for (let i = 0; i < n; i++) hits[at + i] = (p[i] >= 0.5 ? 1 : 0) === by[i] ? 1 : 0
      const { step } = monitor.observe(rowLosses(TASK, p, by, n), i => ({ partition: 0, offset: BigInt(at + i) }), at, await runner.learningRate())
      if (step?.op === 'reset') await runner.resetOptimizer(step.learningRate)
      else if (step?.op === 'setRate') await runner.setLearningRate(step.learningRate)
      await runner.fit(bx, by, n, { epochs: monitor.epochs(3), batchSize: 32, shuffle: true })
    }
  } finally {
    await runner.close()
  }
  const mean = (from: number, to: number): number => { let s = 0; for (let i = from; i < to; i++) s += hits[i]; return s / (to - from) }
  const preDrift = mean(DRIFT_AT - 1000, DRIFT_AT)
  let recovery = Infinity
  for (let r = DRIFT_AT + WINDOW; r <= ROWS; r += 50) {
    if (mean(r - WINDOW, r) >= preDrift - 0.02) { recovery = r - DRIFT_AT; break }
  }
  return { accuracy: mean(0, ROWS), preDrift, recovery, detections: monitor.detections.map(d => d.row) }
}

const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)] }
const results: Array<Record<string, unknown>> = []
for (const v of variants.filter((_, i) => only === null || only.includes(String(i)))) {
  const drift: Run[] = []
  const still: Run[] = []
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    drift.push(await run(v.settings, drifting, seed))
    if (!json) console.error(`  ${v.name} seed ${seed}: drift ${JSON.stringify(drift.at(-1))}`)
    if (stationary) still.push(await run(v.settings, clean, seed))
  }
  const row = {
    action: v.name,
    driftAccuracy: median(drift.map(r => r.accuracy)),
    preDriftAccuracy: median(drift.map(r => r.preDrift)),
    recoveryRecords: median(drift.map(r => r.recovery)),
    detections: drift.map(r => r.detections.join(' ')).join(' | '),
    stationaryAccuracy: still.length > 0 ? median(still.map(r => r.accuracy)) : NaN,
    stationaryFalseAlarms: still.reduce((s, r) => s + r.detections.length, 0)
  }
  results.push(row)
  if (!json) console.log(`${v.name.padEnd(22)} drift acc ${row.driftAccuracy.toFixed(4)}  pre ${row.preDriftAccuracy.toFixed(4)}  recovery ${row.recoveryRecords}  stationary acc ${row.stationaryAccuracy.toFixed(4)} false alarms ${row.stationaryFalseAlarms}/${seeds}  detections ${row.detections}`)
}
if (json) console.log(JSON.stringify({ seeds, rows: ROWS, driftAt: DRIFT_AT, results }))
