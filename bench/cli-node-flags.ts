// The Node flags `npx streamfit` runs with: those of bin/streamfit.js's shebang. The benches pass
// them to every streamfit process they start, so that they measure what a user runs.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../../bin/streamfit.js', import.meta.url))

export function cliNodeFlags (): string[] {
  const shebang = readFileSync(CLI, 'utf8').split('\n')[0] ?? ''
  const m = /^#!\/usr\/bin\/env -S node(.*)$/.exec(shebang)
  return m === null ? [] : m[1]!.trim().split(/\s+/).filter(Boolean)
}
