// Backend choice: without the native tfjs packages `auto` must fall back to WASM quietly, and
// forcing a missing backend must be a one-line usage error. "Not installed" is constructed (the
// packages are hidden from the child process's resolver), so the tests hold on a machine that
// has them installed too.
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../src/errors.js'
import { parseBackend } from '../../src/ml/backend.js'
import { hidePackages, NATIVE_BACKENDS } from '../support/hide-packages.js'

const run = promisify(execFile)
const backendModule = fileURLToPath(new URL('../../src/ml/backend.js', import.meta.url))

/**
 * Runs an ES module script in a fresh node process, with `hidden` packages not installed. (From a
 * file: worker threads inherit the node flags, and --input-type is refused there.)
 */
async function runScript (script: string, hidden: string[] = []): Promise<{ stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-backend-script-'))
  try {
    writeFileSync(join(dir, 'script.mjs'), script)
    const { execArgv, env } = hidePackages(hidden)
    return await run(process.execPath, [...execArgv, join(dir, 'script.mjs')], { env: { ...process.env, ...env } })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Loads a backend in a fresh process, predicts once, and returns what it printed. */
async function inChild (preference: string, module = backendModule, hidden: string[] = []): Promise<{ stdout: string; stderr: string }> {
  return runScript(`
    const { loadBackend } = await import(${JSON.stringify(module)})
    const b = await loadBackend(${JSON.stringify(preference)})
    const y = b.tf.tensor2d([[1, 2]]).matMul(b.tf.tensor2d([[3], [4]])).dataSync()[0]
    console.log(JSON.stringify({ name: b.name, skipped: b.skipped, active: b.tf.getBackend(), y }))`, hidden)
}

test('auto falls back past the missing native packages to WASM, silently, with the reasons kept', async () => {
  const { stdout, stderr } = await inChild('auto', backendModule, NATIVE_BACKENDS)
  const result = JSON.parse(stdout)
  assert.is(result.name, 'wasm')
  assert.is(result.active, 'wasm')
  assert.is(result.y, 11)
  assert.equal(result.skipped, [
    'gpu backend unavailable: @tensorflow/tfjs-node-gpu is not installed',
    'node backend unavailable: @tensorflow/tfjs-node is not installed'
  ])
  assert.is(stderr, '', 'nothing on stderr: no stack trace, no tfjs advice')
})

test('the pure-JS CPU backend works when asked for, without tfjs console advice', async () => {
  const { stdout, stderr } = await inChild('cpu')
  assert.equal(JSON.parse(stdout), { name: 'cpu', skipped: [], active: 'cpu', y: 11 })
  assert.is(stderr, '')
})

test('forcing a backend that is not installed is a one-line UsageError naming the package', async () => {
  // Through the worker too: ModelRunner.create reports it the same way, and the child exits on
  // its own, so no worker is left behind.
  const dist = dirname(dirname(dirname(backendModule)))
  const { stdout } = await runScript(`
    const { loadBackend } = await import(${JSON.stringify(backendModule)})
    const { ModelRunner } = await import(${JSON.stringify(join(dist, 'src', 'ml', 'runner.js'))})
    const { UsageError } = await import(${JSON.stringify(join(dist, 'src', 'errors.js'))})
    const outcome = async f => { try { await f(); return 'loaded' } catch (e) { return (e instanceof UsageError ? 'UsageError: ' : 'other: ') + e.message } }
    console.log(JSON.stringify([
      await outcome(() => loadBackend('gpu')),
      await outcome(() => loadBackend('node')),
      await outcome(() => ModelRunner.create({ backend: 'gpu' }))
    ]))`, NATIVE_BACKENDS)
  assert.equal(JSON.parse(stdout), [
    'UsageError: gpu backend unavailable: @tensorflow/tfjs-node-gpu is not installed',
    'UsageError: node backend unavailable: @tensorflow/tfjs-node is not installed',
    'UsageError: gpu backend unavailable: @tensorflow/tfjs-node-gpu is not installed'
  ])
})

test('an installed but broken native package (no CUDA libraries) is skipped with its reason, not a stack', async () => {
  // A copy of the compiled backend module beside a node_modules holding a tfjs-node-gpu that fails as
  // it does without CUDA, plus links to the real tfjs packages.
  const root = mkdtempSync(join(tmpdir(), 'streamfit-backend-'))
  try {
    const dist = dirname(dirname(dirname(backendModule))) // dist/src/ml/backend.js -> dist
    for (const file of ['src/ml/backend.js', 'src/errors.js']) cpSync(join(dist, file), join(root, 'dist', file))
    writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module' }))
    const realModules = join(dirname(dist), 'node_modules')
    mkdirSync(join(root, 'node_modules', '@tensorflow', 'tfjs-node-gpu'), { recursive: true })
    for (const pkg of ['tfjs', 'tfjs-core', 'tfjs-backend-wasm', 'tfjs-backend-cpu', 'tfjs-layers', 'tfjs-converter', 'tfjs-data', 'tfjs-backend-webgl']) {
      symlinkSync(join(realModules, '@tensorflow', pkg), join(root, 'node_modules', '@tensorflow', pkg))
    }
    const broken = join(root, 'node_modules', '@tensorflow', 'tfjs-node-gpu')
    writeFileSync(join(broken, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', main: 'index.js' }))
    writeFileSync(join(broken, 'index.js'), "throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory\\n    at Module._extensions..node')\n")
    const copy = join(root, 'dist', 'src', 'ml', 'backend.js')

    const { stdout, stderr } = await inChild('auto', copy)
    const result = JSON.parse(stdout)
    assert.is(result.name, 'wasm')
    assert.is(result.skipped[0], 'gpu backend unavailable: @tensorflow/tfjs-node-gpu failed to load (libcudart.so.11.0: cannot open shared object file: No such file or directory)')
    assert.is(stderr, '')

    try {
      await inChild('gpu', copy)
      assert.unreachable('gpu loaded')
    } catch (error) {
      assert.match((error as { stderr: string }).stderr, /UsageError: gpu backend unavailable: @tensorflow\/tfjs-node-gpu failed to load \(libcudart/)
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('--backend values are checked', () => {
  assert.is(parseBackend('wasm'), 'wasm')
  assert.is(parseBackend('auto'), 'auto')
  assert.throws(() => parseBackend('cuda'), (e: Error) => e instanceof UsageError && /auto, gpu, node, wasm or cpu/.test(e.message))
})

test.run()
