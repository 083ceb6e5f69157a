// What patches/@tensorflow+tfjs-backend-wasm+4.22.0.patch buys: the same online step on the WASM
// backend, patched (the installed package) against unpatched (a copy of the package with the patch
// reversed, under node_modules/.cache so that it resolves tfjs-core like the original). A step is
// what testThenTrain asks of the worker: predict 32 rows, then fit them 3 epochs in one batch
// (src/ml/fit-rows.ts, the online fit itself). Each round runs
// both in fresh processes, alternating, so machine noise reaches both; medians are printed with
// the patched time over the unpatched one from the same rounds.
//
// Run: npx tsc -p . && node dist/bench/wasm-patch.js [--rounds 5] [--steps 40]
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { PACKAGE_ROOT } from '../src/infra/paths.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, steps: { type: 'string', default: '40' } } })
const PACKAGE = '@tensorflow/tfjs-backend-wasm'
const installed = join(PACKAGE_ROOT, 'node_modules', PACKAGE)
const unpatched = join(PACKAGE_ROOT, 'node_modules/.cache/streamfit-unpatched-tfjs-backend-wasm')
const patchFile = join(PACKAGE_ROOT, 'patches/@tensorflow+tfjs-backend-wasm+4.22.0.patch')

/** A copy of the installed package with the patch reversed (rebuilt each run: the patch may have changed). */
function unpatchedCopy (): void {
  rmSync(unpatched, { recursive: true, force: true })
  cpSync(installed, unpatched, { recursive: true })
  const reversed = join(unpatched, 'streamfit.patch')
  writeFileSync(reversed, readFileSync(patchFile, 'utf8').replaceAll(`node_modules/${PACKAGE}/`, ''))
  execFileSync('patch', ['-R', '-p1', '-s', '-i', reversed], { cwd: unpatched })
  rmSync(reversed)
}

// Per process: load the given copy as the WASM backend, build the tutorial's MLP, warm up, time.
const child = `
  const [dir, steps] = [process.argv[1], Number(process.argv[2])]
  const tf = await import('@tensorflow/tfjs')
  const wasm = await import(dir + '/dist/tf-backend-wasm.node.js')
  wasm.setWasmPaths(dir + '/dist/')
  await tf.setBackend('wasm')
  const { buildModel, SUSY_MODEL } = await import(${JSON.stringify(join(PACKAGE_ROOT, 'dist/src/ml/model.js'))})
  const { fitRows } = await import(${JSON.stringify(join(PACKAGE_ROOT, 'dist/src/ml/fit-rows.js'))})
  const m = buildModel(tf, SUSY_MODEL)
  const x = tf.randomNormal([32, 18], 0, 1, 'float32', 1)
  const y = tf.tensor2d(Array.from({ length: 32 }, (_, i) => [i % 2]))
  const step = async () => { const p = m.predict(x); await p.data(); p.dispose(); await fitRows(tf, m, x, y, 32, { epochs: 3, batchSize: 32 }) }
  for (let i = 0; i < 10; i++) await step()
  const t = performance.now()
  for (let i = 0; i < steps; i++) await step()
  console.log((performance.now() - t) / steps)`

function stepMs (dir: string): number {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', child, dir, values.steps], { cwd: PACKAGE_ROOT, encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`step timing on ${dir} failed: ${run.stderr.slice(-1000)}`)
  return Number(run.stdout.trim())
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

if (!existsSync(join(installed, 'dist'))) throw new Error(`${PACKAGE} is not installed: run npm ci`)
unpatchedCopy()
const times = { patched: [] as number[], unpatched: [] as number[] }
for (let round = 0; round < Number(values.rounds); round++) {
  times.patched.push(stepMs(installed))
  times.unpatched.push(stepMs(unpatched))
}
rmSync(unpatched, { recursive: true, force: true })
const [p, u] = [median(times.patched), median(times.unpatched)]
console.log(`one online step of the tutorial's MLP on WASM (predict 32 rows, fit them 3 epochs), ms, median of ${values.rounds} rounds of ${values.steps} steps`)
console.log(`patched ${p.toFixed(2)} (${times.patched.map(t => t.toFixed(2)).join(' / ')}), unpatched ${u.toFixed(2)} (${times.unpatched.map(t => t.toFixed(2)).join(' / ')}): ${(p / u).toFixed(2)}×`)
