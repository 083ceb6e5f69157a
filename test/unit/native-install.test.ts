// `streamfit backend install`: the wheel route's PyPI resolution (the GPU plan included, without its
// 3 GB download), the header walk of the wheel extractor, and one-line errors for missing tools.
// The full CPU install runs in .ci/run; when it has, the last test checks the result.
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../src/errors.js'
import { reachable } from '../../src/infra/probe.js'
import { libtensorflowUrl } from '../../src/native/install.js'
import { extraRequirements, resolveWheels } from '../../src/native/pip.js'
import { checkToolchain } from '../../src/native/prerequisites.js'
import { variantSpec } from '../../src/native/variants.js'
import { PACKAGE_ROOT } from '../support/paths.js'
import { TEST_BACKENDS } from '../support/backends.js'

const run = promisify(execFile)
const cli = join(PACKAGE_ROOT, 'bin', 'streamfit.js')
const python = process.env.STREAMFIT_PYTHON ?? 'python3'

test('PyPI resolves the CPU wheel and the GPU wheel with its 12 pinned CUDA wheels (metadata only)', async () => {
  const [cpu] = resolveWheels(python, [variantSpec('cpu').wheel])
  assert.is(cpu!.requirement, 'tensorflow-cpu==2.16.2')
  assert.match(cpu!.url, /tensorflow_cpu-2\.16\.2-cp311-cp311-manylinux_2_17_x86_64\.manylinux2014_x86_64\.whl$/)
  const gpu = variantSpec('gpu')
  const [tensorflow] = resolveWheels(python, [gpu.wheel])
  assert.match(tensorflow!.url, /\/tensorflow-2\.16\.2-cp311-cp311-manylinux_2_17_x86_64/)
  const cuda = extraRequirements(tensorflow!, gpu.cudaExtra!)
  assert.is(cuda.length, 12)
  assert.ok(cuda.includes('nvidia-cudnn-cu12==8.9.7.29') && cuda.includes('nvidia-cuda-runtime-cu12==12.3.101'), cuda.join(' '))
  const resolved = resolveWheels(python, cuda)
  assert.equal(resolved.map(w => w.requirement).sort(), [...cuda].sort())
  assert.ok(resolved.every(w => w.url.endsWith('.whl')))
})

test('the extractor takes the two libraries and follows quoted includes from the roots, nothing else', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-wheel-'))
  try {
    const wheel = join(dir, 'fake.whl')
    const dest = join(dir, 'deps')
    // A wheel-shaped zip built by Python's zipfile (the extractor's own reader).
    await run(python, ['-c', `
import zipfile
with zipfile.ZipFile(${JSON.stringify(wheel)}, 'w') as z:
    z.writestr('tensorflow/libtensorflow_cc.so.2', b'cc')
    z.writestr('tensorflow/libtensorflow_framework.so.2', b'fw')
    z.writestr('tensorflow/include/tensorflow/c/c_api.h', b'#include <stdint.h>\\n#include "tensorflow/c/tf_status.h"\\n')
    z.writestr('tensorflow/include/tensorflow/c/tf_status.h', b'  # include "tsl/c/tsl_status.h"\\n')
    z.writestr('tensorflow/include/tsl/c/tsl_status.h', b'// leaf\\n')
    z.writestr('tensorflow/include/tensorflow/core/unrelated.h', b'// not reached\\n')
`])
    const extractor = join(PACKAGE_ROOT, 'infra', 'native', 'extract_wheel.py')
    const { stdout } = await run(python, [extractor, 'tensorflow', wheel, dest, 'tensorflow/c/c_api.h'])
    assert.equal(JSON.parse(stdout), { libs: ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'], headers: 3 })
    assert.equal(readdirSync(join(dest, 'lib')).sort(), ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'])
    assert.equal(readdirSync(join(dest, 'include', 'tensorflow')), ['c'])
    assert.equal(readdirSync(join(dest, 'include', 'tsl', 'c')), ['tsl_status.h'])
    try {
      await run(python, [extractor, 'tensorflow', wheel, dest, 'tensorflow/c/missing.h'])
      assert.unreachable('a missing root header passed')
    } catch (error) {
      assert.match((error as { stderr: string }).stderr, 'has no headers tensorflow/c/missing.h')
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a missing pip or C++ compiler is one line naming what to install', () => {
  assert.throws(() => checkToolchain({ python: '/nonexistent/python3' }),
    (e: Error) => e instanceof UsageError && /needs Python 3 with pip .*found no such program .*apt-get install python3-pip/.test(e.message) && !e.message.includes('\n'))
  assert.throws(() => checkToolchain({ python, cxx: 'no-such-c++' }),
    (e: Error) => e instanceof UsageError && /needs a C\+\+ compiler and make .*`no-such-c\+\+ --version` found no such program .*apt-get install g\+\+ make/.test(e.message))
})

test('the CLI stops before any download when a tool is missing: exit 2, one line', async () => {
  const home = mkdtempSync(join(tmpdir(), 'streamfit-native-'))
  try {
    await run(process.execPath, [cli, 'backend', 'install', '--from', 'wheel', '--force'], { env: { ...process.env, STREAMFIT_HOME: home, CXX: 'no-such-c++' } })
    assert.unreachable('install succeeded without a compiler')
  } catch (error) {
    const e = error as { code: number, stderr: string }
    assert.is(e.code, 2)
    assert.equal(e.stderr.trim().split('\n'), [e.stderr.trim().split('\n')[0]], 'one line')
    assert.match(e.stderr, /^streamfit: backend install needs a C\+\+ compiler/)
    assert.equal(readdirSync(home), [], 'nothing downloaded')
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
})

test('the package\'s own download URL honours its mirror settings; an unreachable host means the wheel route', async () => {
  assert.is(libtensorflowUrl(variantSpec('gpu'), {}), 'https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz')
  assert.is(libtensorflowUrl(variantSpec('cpu'), { TFJS_NODE_CDN_STORAGE: 'https://mirror.example/' }), 'https://mirror.example/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz')
  assert.is(await reachable('http://127.0.0.1:9/libtensorflow.tar.gz', 2000), false)
})

if (TEST_BACKENDS.includes('node')) {
  test('after `backend install`: a second run finds it installed, and `backend` reports node', async () => {
    const { stdout } = await run(process.execPath, [cli, 'backend', 'install'])
    assert.match(stdout, /^backend node ready: @tensorflow\/tfjs-node \(already installed/)
    const status = await run(process.execPath, [cli, 'backend'])
    assert.match(status.stdout, /^backend: node/)
  })
}

test.run()
