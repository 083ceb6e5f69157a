#!/usr/bin/env node
// `npm run demo`: compiles first (a clone's sources may be newer than dist), then runs
// `streamfit demo`. `--help` answers at once from the compiled CLI: nothing to compile for it.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
if (!args.includes('--help') && !args.includes('-h')) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) process.exit(build.status ?? 1)
}
process.argv.splice(2, 0, 'demo')
await import('../dist/src/cli.js')
