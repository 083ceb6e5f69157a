// Where the native package goes: beside the @tensorflow/tfjs that streamfit itself loads, so both
// share one tfjs-core (a second copy would register its own backends and not see the native one).
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'

/** The project directory whose node_modules holds @tensorflow/tfjs as streamfit resolves it. */
export function projectRoot (): string {
  const manifest = createRequire(import.meta.url).resolve('@tensorflow/tfjs/package.json')
  const marker = `${sep}node_modules${sep}`
  return manifest.slice(0, manifest.lastIndexOf(marker))
}

export function packageDir (root: string, npmPackage: string): string {
  return join(root, 'node_modules', ...npmPackage.split('/'))
}

/** The directory streamfit resolves node_modules from (for the load check run in a child process). */
export function backendModulePath (): string {
  return join(dirname(new URL(import.meta.url).pathname), '..', 'ml', 'backend.js')
}
