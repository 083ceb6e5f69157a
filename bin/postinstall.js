#!/usr/bin/env node
// npm's postinstall: in a clone of streamfit, applies patches/ to its dependencies (patch-package,
// a devDependency; a failure fails the install). Installed as a dependency of another project
// there is no patches/ and no patch-package, and the project's node_modules is not ours to patch:
// the patched @platformatic/kafka comes inside the package instead (package.json's
// bundleDependencies, packed from a patched clone), so there is nothing to do.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
if (existsSync(join(root, 'patches')) && !root.split(sep).includes('node_modules')) {
  const run = spawnSync('patch-package', { cwd: root, stdio: 'inherit', shell: true })
  process.exit(run.status ?? 1)
}
