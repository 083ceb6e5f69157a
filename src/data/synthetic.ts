// Generated stand-in rows with the SUSY shape (label, then 18 features), for volume tests where
// the real file is not at hand. The features roughly follow the real file's pre-scaled ranges
// (pT-like ones positive around 1, eta about ±2.1, phi about ±1.73, MT2 zero in about a fifth of
// the rows, cos in [0, 1]) and signal rows have more missing energy, so a model can learn something.
import { seededRandom } from '../random.js'
import { FEATURE_COUNT } from './susy.js'

// Per feature: its kind of distribution and how much a signal row scales it.
const PT = 0; const ETA = 1; const PHI = 2; const SIGNED = 3; const MT2 = 4; const COS = 5; const ANGLE = 6
const KIND = Uint8Array.from([PT, ETA, PHI, PT, ETA, PHI, PT, PHI, PT, SIGNED, PT, PT, PT, MT2, PT, PT, ANGLE, COS])
const BOOST = Float64Array.from([1.1, 1, 1, 1.05, 1, 1, 1.6, 1, 1.5, 1.3, 1.25, 1.4, 1.15, 1.5, 1.3, 1.2, 0.9, 1])
const SIGNAL_SHARE = 0.46 // about the real file's 45,975 signal rows in 100,000
const DIGITS = 7 // fractional digits written per feature
const SCALE = 10 ** DIGITS
const ROW_BYTES_MAX = FEATURE_COUNT * 16
const SLAB = 1 << 20

/** A synthetic SUSY-like row. */
export interface SyntheticRow {
  label: 0 | 1
  /** 18 features as a CSV line, e.g. "1.0478495,-0.9855468,…". */
  value: Buffer
}

/** Writes generated rows into caller-owned bytes; the label of each row is its return's sign bit. */
export type RowWriter = (out: Uint8Array, at: number) => number

/** The longest row a RowWriter writes, in bytes. */
export const SYNTHETIC_ROW_BYTES_MAX = ROW_BYTES_MAX

/**
 * The generator's core: writes the next row's 18 features as CSV text at out[at] and returns
 * `end` (where the text stops) for a background row or `-end - 1` for a signal row. Allocates
 * nothing, so a worker thread can fill transferable buffers with it. Same seed, same rows.
 */
export function syntheticRowWriter (seed: number): RowWriter {
  const random = seededRandom(seed)
  let slab: Uint8Array = new Uint8Array(0)
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
  // Fixed-point, digit by digit: no number-to-string conversion. |x| < 100.
  const writeNumber = (x: number): void => {
    const fixed = Math.round((x < 0 ? -x : x) * SCALE)
    if (x < 0 && fixed !== 0) slab[pos++] = 0x2d
    const whole = Math.floor(fixed / SCALE) | 0
    // Int32 arithmetic from here: a double's % is a slow library call, an int32's one instruction.
    let frac = (fixed - whole * SCALE) | 0
    if (whole >= 10) slab[pos++] = 0x30 + ((whole / 10) | 0)
    slab[pos++] = 0x30 + whole % 10
    slab[pos++] = 0x2e
    for (let k = DIGITS - 1; k >= 0; k--) {
      const q = (frac / 10) | 0
      slab[pos + k] = 0x30 + frac - q * 10
      frac = q
    }
    pos += DIGITS
  }
  return (out, at) => {
    slab = out
    pos = at
    const label = random() < SIGNAL_SHARE ? 1 : 0
    for (let f = 0; f < FEATURE_COUNT; f++) {
      if (f > 0) slab[pos++] = 0x2c
      const boost = label === 1 ? BOOST[f] : 1
      let x: number
      switch (KIND[f]) {
        case PT: x = Math.min(0.25 - Math.log(1 - random()) * 0.75 * boost, 20); break
        case ETA: x = Math.max(-2.1, Math.min(2.1, gaussian())); break
        case PHI: x = (random() * 2 - 1) * 1.73; break
        case SIGNED: x = Math.max(-15, Math.min(15, gaussian() * 0.9 * boost)); break
        case MT2: x = random() < (label === 1 ? 0.12 : 0.25) ? 0 : Math.min(-Math.log(1 - random()) * 0.8 * boost, 20); break
        case ANGLE: x = random() * 1.6 * boost; break
        default: x = random() // cos
      }
      writeNumber(x)
    }
    return label === 1 ? -pos - 1 : pos
  }
}

/**
 * Returns a function that makes the next generated row; the same seed gives the same rows.
 * Values are views into 1 MiB slabs.
 */
export function syntheticRows (seed: number): () => SyntheticRow {
  const write = syntheticRowWriter(seed)
  let slab = Buffer.allocUnsafe(SLAB)
  let pos = 0
  return () => {
    if (pos + ROW_BYTES_MAX > SLAB) { slab = Buffer.allocUnsafe(SLAB); pos = 0 }
    const start = pos
    const r = write(slab, pos)
    pos = r < 0 ? -r - 1 : r
    return { label: r < 0 ? 1 : 0, value: slab.subarray(start, pos) }
  }
}
