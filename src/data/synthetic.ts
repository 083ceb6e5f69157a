// Generated stand-in rows with the SUSY shape (label, then 18 features), for volume tests where
// the real file is not at hand. The features roughly follow the real file's pre-scaled ranges
// (pT-like ones positive around 1, eta about ±2.1, phi about ±1.73, MT2 zero in about a fifth of
// the rows, cos in [0, 1]) and signal rows have more missing energy, so a model can learn something.
import { seededRandom } from '../operators/internal/random.js'
import { FEATURE_COUNT } from './susy.js'

type Kind = 'pt' | 'eta' | 'phi' | 'signed' | 'mt2' | 'cos' | 'angle'
// Per feature: its kind and how much a signal row scales it.
const FEATURES: ReadonlyArray<[Kind, number]> = [
  ['pt', 1.1], ['eta', 1], ['phi', 1], ['pt', 1.05], ['eta', 1], ['phi', 1],
  ['pt', 1.6], ['phi', 1],
  ['pt', 1.5], ['signed', 1.3], ['pt', 1.25], ['pt', 1.4], ['pt', 1.15], ['mt2', 1.5], ['pt', 1.3], ['pt', 1.2], ['angle', 0.9], ['cos', 1]
]
const SIGNAL_SHARE = 0.46 // about the real file's 45,975 signal rows in 100,000
const DIGITS = 7 // fractional digits written per feature
const SCALE = 10 ** DIGITS
const ROW_BYTES_MAX = FEATURE_COUNT * 16
const SLAB = 1 << 20

export interface SyntheticRow {
  label: 0 | 1
  /** 18 features as a CSV line, e.g. "1.0478495,-0.9855468,…". */
  value: Buffer
}

/**
 * Returns a function that makes the next generated row; the same seed gives the same rows.
 * Values are views into 1 MiB slabs, written byte by byte (no number-to-string conversion).
 */
export function syntheticRows (seed: number): () => SyntheticRow {
  const random = seededRandom(seed)
  let slab = Buffer.allocUnsafe(SLAB)
  let pos = 0
  let spare = NaN
  const gaussian = (): number => {
    if (spare === spare) { const s = spare; spare = NaN; return s }
    const u = 1 - random()
    const v = random()
    const r = Math.sqrt(-2 * Math.log(u))
    spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }
  const writeNumber = (x: number): void => {
    let fixed = Math.round(Math.abs(x) * SCALE)
    if (x < 0 && fixed !== 0) slab[pos++] = 0x2d
    let whole = Math.floor(fixed / SCALE)
    fixed -= whole * SCALE
    if (whole >= 10) { slab[pos++] = 0x30 + Math.floor(whole / 10) % 10; whole %= 10 }
    slab[pos++] = 0x30 + whole
    slab[pos++] = 0x2e
    for (let d = SCALE / 10; d >= 1; d /= 10) {
      const digit = Math.floor(fixed / d)
      slab[pos++] = 0x30 + digit
      fixed -= digit * d
    }
  }
  return () => {
    if (pos + ROW_BYTES_MAX > SLAB) { slab = Buffer.allocUnsafe(SLAB); pos = 0 }
    const label: 0 | 1 = random() < SIGNAL_SHARE ? 1 : 0
    const start = pos
    for (let f = 0; f < FEATURE_COUNT; f++) {
      if (f > 0) slab[pos++] = 0x2c
      const [kind, signal] = FEATURES[f]
      const boost = label === 1 ? signal : 1
      let x: number
      switch (kind) {
        case 'pt': x = Math.min(0.25 + -Math.log(1 - random()) * 0.75 * boost, 20); break
        case 'eta': x = Math.max(-2.1, Math.min(2.1, gaussian())); break
        case 'phi': x = (random() * 2 - 1) * 1.73; break
        case 'signed': x = Math.max(-15, Math.min(15, gaussian() * 0.9 * boost)); break
        case 'mt2': x = random() < (label === 1 ? 0.12 : 0.25) ? 0 : -Math.log(1 - random()) * 0.8 * boost; break
        case 'angle': x = random() * 1.6 * boost; break
        default: x = random() // cos
      }
      writeNumber(Math.min(x, 99))
    }
    return { label, value: slab.subarray(start, pos) }
  }
}
