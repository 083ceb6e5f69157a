// Where the tests find the package and its data: everything inside the repository, so a clone
// with nothing beside it runs the whole suite.
import { join } from 'node:path'
import { readSusySample, SUSY_SAMPLE } from '../../src/data/sample.js'
import { PACKAGE_ROOT } from '../../src/infra/paths.js'

export { PACKAGE_ROOT }

/** The CLI as users run it (bin/streamfit.js). */
export const CLI = join(PACKAGE_ROOT, 'bin', 'streamfit.js')

/** 8,000 real UCI SUSY rows shipped with the repository (data/README.md: source and licence). */
export const SUSY_8K = SUSY_SAMPLE

let text: string | undefined

/** The 8k file's CSV text (label first, 19 columns, no header), decompressed once per process. */
export function susyText (): string {
  text ??= readSusySample()
  return text
}

/** The 8k file's rows as lines, without the final empty one. */
export function susyLines (): string[] {
  return susyText().trimEnd().split('\n')
}
