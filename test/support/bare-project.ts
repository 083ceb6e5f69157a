// A copy of the built project whose node_modules lacks the native tfjs packages (everything else
// linked to the real ones), so fallback and "not installed" paths are tested whatever this
// machine has installed.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const NATIVE = new Set(['tfjs-node', 'tfjs-node-gpu'])

export interface BareProject {
  root: string
  /** bin/streamfit.js of the copy. */
  cli: string
  /** A compiled module of the copy, e.g. 'src/ml/backend.js'. */
  module: (path: string) => string
  remove: () => void
}

export function bareProject (): BareProject {
  const root = mkdtempSync(join(tmpdir(), 'streamfit-bare-'))
  // Copies, not links: Node resolves a linked module's imports from its real location.
  for (const entry of ['bin', 'dist', 'infra', 'package.json']) cpSync(join(packageRoot, entry), join(root, entry), { recursive: true })
  const real = join(packageRoot, 'node_modules')
  mkdirSync(join(root, 'node_modules'))
  for (const entry of readdirSync(real)) {
    if (entry !== '@tensorflow') symlinkSync(join(real, entry), join(root, 'node_modules', entry), 'dir')
    else {
      mkdirSync(join(root, 'node_modules', '@tensorflow'), { recursive: true })
      for (const pkg of readdirSync(join(real, entry))) {
        if (!NATIVE.has(pkg)) symlinkSync(join(real, entry, pkg), join(root, 'node_modules', entry, pkg), 'dir')
      }
    }
  }
  return { root, cli: join(root, 'bin', 'streamfit.js'), module: path => join(root, 'dist', path), remove: () => rmSync(root, { recursive: true, force: true }) }
}
