// The compute backends the ML tests run on: STREAMFIT_TEST_BACKENDS (CI sets "node,wasm", so a
// broken native install fails there), else WASM plus the native backend when it is installed.
import { createRequire } from 'node:module'
import { BACKEND_PACKAGES, parseBackend, type BackendName } from '../../src/ml/backend.js'

function installed (name: BackendName): boolean {
  try {
    createRequire(import.meta.url).resolve(`${BACKEND_PACKAGES[name]}/package.json`)
    return true
  } catch {
    return false
  }
}

export const TEST_BACKENDS: BackendName[] = process.env.STREAMFIT_TEST_BACKENDS !== undefined
  ? process.env.STREAMFIT_TEST_BACKENDS.split(',').map(s => parseBackend(s.trim())).filter((b): b is BackendName => b !== 'auto')
  : (['node', 'wasm'] as BackendName[]).filter(installed)
