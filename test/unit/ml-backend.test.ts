// Backend choice: `auto` falls back quietly past native packages a project lacks (tested in a copy
// of the project without them), forcing a missing backend is a one-line usage error, and every
// backend under test loads and computes.
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
import { bareProject } from '../support/bare-project.js'
import { TEST_BACKENDS } from '../support/backends.js'

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

test('auto falls back past missing native packages to WASM, silently, with the reasons kept', async () => {
  const bare = bareProject()
  try {
    const { stdout, stderr } = await inChild('auto', bare.module('src/ml/backend.js'))
    const result = JSON.parse(stdout)
    assert.is(result.name, 'wasm')
    assert.is(result.active, 'wasm')
    assert.is(result.y, 11)
    assert.equal(result.skipped, [
      'gpu backend unavailable: @tensorflow/tfjs-node-gpu is not installed',
      'node backend unavailable: @tensorflow/tfjs-node is not installed'
    ])
    assert.is(stderr, '', 'nothing on stderr: no stack trace, no tfjs advice')
  } finally {
    bare.remove()
  }
})

test('the pure-JS CPU backend works when asked for, without tfjs console advice', async () => {
  const { stdout, stderr } = await inChild('cpu')
  assert.equal(JSON.parse(stdout), { name: 'cpu', skipped: [], active: 'cpu', y: 11 })
  assert.is(stderr, '')
})

for (const name of TEST_BACKENDS) {
  test(`backend ${name} loads when asked for and computes, with nothing on stderr (TensorFlow's C++ notes silenced)`, async () => {
    const { stdout, stderr } = await inChild(name)
    const result = JSON.parse(stdout)
    assert.equal([result.name, result.active, result.y], [name, name === 'node' ? 'tensorflow' : name, 11])
    assert.is(stderr, '')
  })
}

test('forcing a backend that is not installed is a one-line UsageError naming the package', async () => {
  const bare = bareProject()
  try {
    for (const [name, pkg] of [['gpu', '@tensorflow/tfjs-node-gpu'], ['node', '@tensorflow/tfjs-node']]) {
      try {
        await inChild(name, bare.module('src/ml/backend.js'))
        assert.unreachable(`${name} loaded`)
      } catch (error) {
        assert.match((error as { stderr: string }).stderr, `UsageError: ${name} backend unavailable: ${pkg} is not installed`)
      }
    }
    // Through the worker too: ModelRunner.create reports it the same way and leaves no worker behind.
    // A script file, not -e: the worker would inherit --input-type and refuse to start.
    const script = join(bare.root, 'runner-gpu.mjs')
    writeFileSync(script, `
      const { ModelRunner } = await import(${JSON.stringify(bare.module('src/ml/runner.js'))})
      try { await ModelRunner.create({ backend: 'gpu' }) } catch (e) { console.log(e.name + ': ' + e.message) }`)
    const { stdout } = await run(process.execPath, [script], { timeout: 60_000 })
    assert.is(stdout.trim(), 'UsageError: gpu backend unavailable: @tensorflow/tfjs-node-gpu is not installed')
  } finally {
    bare.remove()
  }
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
