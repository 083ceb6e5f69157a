// A deterministic stand-in for the MODEL only (Kafka and Redis are never faked): scores a row
// from its features with a fixed logistic function, so a test can recompute any prediction.
import type { Predictor } from '../../src/ml/predictor.js'

export class FixedPredictor implements Predictor {
  calls = 0
  constructor (readonly version = 'fixed@1', readonly features = 18, readonly delayMs = 0) {}

  async predict (xs: Float32Array, n: number): Promise<Float32Array> {
    this.calls++
    if (this.delayMs > 0) await new Promise(resolve => setTimeout(resolve, this.delayMs))
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) out[i] = fixedScore(xs.subarray(i * this.features, (i + 1) * this.features))
    return out
  }
}

/** The score FixedPredictor gives one row. */
export function fixedScore (row: Float32Array): number {
  let z = 0
  for (let j = 0; j < row.length; j++) z += (j % 2 === 0 ? 0.3 : -0.2) * row[j]!
  return 1 / (1 + Math.exp(-z))
}
