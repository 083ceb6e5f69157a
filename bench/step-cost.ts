// What one online step costs on each backend, by model size: the figures behind online's `auto`
// trying WASM first (SMALL_STEP_ORDER), its steps of 16 rows for models under 20,000 weights, and
// those models learning in plain JavaScript (the `js` column: the model's twin, src/ml/js-twin.ts,
// here for every size to show where it stops paying).
// A step is what testThenTrain does per step of rows: predict them, then fit them for a few epochs
// in one batch, through a ModelRunner (its worker thread, as `streamfit online` runs it).
// Rounds are interleaved across backends so machine noise hits each; medians are printed, with
// each backend's time over tfjs-node's from the same rounds.
//
// With --train, a step is train's instead: one trainBatch of `rows` rows with the weight average
// on (train's default, --weight-average 0.99).
//
// Run: npx tsc -p . && node dist/bench/step-cost.js [--rounds 5] [--steps 40] [--rows 16] [--epochs 3] [--train]
import { parseArgs } from 'node:util'
import type { BackendName } from '../src/ml/backend.js'
import type { ModelSpec } from '../src/ml/model.js'
import { SUSY_MODEL } from '../src/ml/model.js'
import { specWeights } from '../src/ml/model-size.js'
import { ModelRunner } from '../src/ml/runner.js'
import { onlineDefaults } from '../topologies/online-defaults.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, steps: { type: 'string', default: '40' }, rows: { type: 'string', default: '16' }, epochs: { type: 'string', default: '3' }, train: { type: 'boolean', default: false } } })
const [rounds, steps, rows, epochs] = [values.rounds, values.steps, values.rows, values.epochs].map(Number) as [number, number, number, number]
type Column = BackendName | 'js'
const BACKENDS: Column[] = ['node', 'wasm', 'cpu', 'js']
const mlp = (inputs: number, hidden: number[]): ModelSpec => ({ inputs, hidden, dropout: hidden.map(() => 0), learningRate: 0.003 })
// bench/drift's SEA and Phishing models, wider and deeper ones, and the tutorial's SUSY MLP.
const MODELS: Array<[string, ModelSpec]> = [
  ['sea 3-32-1', mlp(3, [32])], ['phishing 9-32-1', mlp(9, [32])], ['18-128-1', mlp(18, [128])],
  ['18-64-64-1', mlp(18, [64, 64])], ['18-128-128-1', mlp(18, [128, 128])], ['18-256-128-1', mlp(18, [256, 128])],
  ['susy 18-128-256-128-1', SUSY_MODEL]
]

/** Milliseconds per step (predict `rows`, then fit them `epochs` epochs; with --train one trainBatch), over `steps` steps. */
async function stepMs (runner: ModelRunner, inputs: number): Promise<number> {
  const xs = Float32Array.from({ length: rows * inputs }, (_, i) => Math.sin(i * 12.9898) * 2)
  const ys = Float32Array.from({ length: rows }, (_, i) => i % 2)
  const t = performance.now()
  for (let s = 0; s < steps; s++) {
    if (values.train) { await runner.trainBatch(xs, ys, rows); continue }
    await runner.predict(xs, rows)
    await runner.fit(xs, ys, rows, { epochs, batchSize: 32, shuffle: true })
  }
  return (performance.now() - t) / steps
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

console.log(`one step = ${values.train ? `train's step of ${rows} rows, weight average on` : `predict ${rows} rows + fit them ${epochs} epochs in one batch`}; ms per step, median of ${rounds} rounds of ${steps} steps`)
console.log(`| model | weights | ${BACKENDS.join(' | ')} | ${BACKENDS.slice(1).map(b => `${b} / node`).join(' | ')} |`)
console.log(`| --- | ---: | ${BACKENDS.map(() => '---:').join(' | ')} | ${BACKENDS.slice(1).map(() => '---:').join(' | ')} |`)
for (const [name, spec] of MODELS) {
  const runners = new Map<Column, ModelRunner>()
  for (const b of BACKENDS) runners.set(b, await ModelRunner.create({ model: spec, seed: 1, ...(b === 'js' ? { backend: 'wasm', jsMaxWeights: Infinity } : { backend: b }) }))
  if (values.train) for (const r of runners.values()) await r.averageWeights(0.99)
  const times = new Map<Column, number[]>(BACKENDS.map(b => [b, []]))
  for (const r of runners.values()) await stepMs(r, spec.inputs) // warm-up: kernels, JIT
  for (let round = 0; round < rounds; round++) {
    for (const b of BACKENDS) times.get(b)!.push(await stepMs(runners.get(b)!, spec.inputs))
  }
  for (const r of runners.values()) await r.close()
  const ms = BACKENDS.map(b => median(times.get(b)!))
  const weights = specWeights(spec)
  console.log(`| ${name}${weights < onlineDefaults.smallModelWeights ? ' (small)' : ''} | ${weights.toLocaleString('en')} | ${ms.map(m => m.toFixed(2)).join(' | ')} | ${ms.slice(1).map(m => `${(m / ms[0]!).toFixed(2)}×`).join(' | ')} |`)
}
