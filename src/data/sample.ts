// The 8,000 real SUSY rows that ship with streamfit (data/susy-8k.csv.gz; source and licence, UCI
// SUSY under CC BY 4.0, in data/README.md): the demo's offline fallback, the tests' and the
// benchmarks' real rows. Nothing outside the package is read.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { PACKAGE_ROOT } from '../infra/paths.js'

export const SUSY_SAMPLE = join(PACKAGE_ROOT, 'data', 'susy-8k.csv.gz')

/** The sample's CSV text: 19 columns, label first (`0.0` / `1.0`), no header. */
export function readSusySample (): string {
  return gunzipSync(readFileSync(SUSY_SAMPLE)).toString('utf8')
}
