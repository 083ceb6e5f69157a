// Makes packages look not installed in a child process, whatever this machine has installed:
// tests of "package missing" behaviour construct that condition instead of relying on an
// accident of the install. A child started with hidePackages(...) loads this module through
// `--import` (worker threads inherit the flag) and hides the packages named in
// STREAMFIT_TEST_HIDE_PACKAGES.
import { register } from 'node:module'

const names = (process.env.STREAMFIT_TEST_HIDE_PACKAGES ?? '').split(',').filter(Boolean)
if (names.length > 0) register('./hide-packages-hooks.js', import.meta.url, { data: names })

/** Node flags and environment for a child process in which `packages` are not installed. */
export function hidePackages (packages: string[]): { execArgv: string[], env: Record<string, string> } {
  return { execArgv: ['--import', import.meta.url], env: { STREAMFIT_TEST_HIDE_PACKAGES: packages.join(',') } }
}

/** The optional native TensorFlow.js backends. */
export const NATIVE_BACKENDS = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']
