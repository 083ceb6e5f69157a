// Backend choice: the native tfjs packages are not installed here, so `auto` must fall back to
// WASM quietly, and forcing a missing backend must be a one-line usage error.
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../src/errors.js'
import { loadBackend, parseBackend } from '../../src/ml/backend.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { rejects } from '../support/ml.js'

const run = promisify(execFile)
const backendModule = fileURLToPath(new URL('../../src/ml/backend.js', import.meta.url))

/** Loads a backend in a fresh process, predicts once, and returns what it printed. */
async function inChild (preference: string, module = backendModule): Promise<{ stdout: string; stderr: string }> {
  const script = `
    const { loadBackend } = await import(${JSON.stringify(module)})
    const b = await loadBackend(${JSON.stringify(preference)})
    const y = b.tf.tensor2d([[1, 2]]).matMul(b.tf.tensor2d([[3], [4]])).dataSync()[0]
    console.log(JSON.stringify({ name: b.name, skipped: b.skipped, active: b.tf.getBackend(), y }))`
  return run(process.execPath, ['--input-type=module', '-e', script])
}

test('auto falls back past the missing native packages to WASM, silently, with the reasons kept', async () => {
  const { stdout, stderr } = await inChild('auto')
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
  for (const [name, pkg] of [['gpu', '@tensorflow/tfjs-node-gpu'], ['node', '@tensorflow/tfjs-node']]) {
    await rejects(() => loadBackend(name as 'gpu'), e =>
      e instanceof UsageError && e.message === `${name} backend unavailable: ${pkg} is not installed`)
  }
  // Through the worker too: ModelRunner.create reports it the same way and leaves no worker behind.
  await rejects(() => ModelRunner.create({ backend: 'gpu' }), e => e instanceof UsageError && /tfjs-node-gpu is not installed/.test(e.message))
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
