// Feature standardisation learnt from the stream: running mean and variance (Welford, per
// feature) while learning, then frozen and stored with the model so scoring applies the same.

/** Frozen feature standardisation, stored with a model: per-feature mean and standard deviation. */
export interface ScalerState {
  mean: number[]
  std: number[]
  /** Rows the statistics were computed from. */
  rows: number
}

/**
 * Feature standardisation learnt from the stream (Welford's running mean and variance per feature),
 * then frozen and stored with the model so scoring applies the same.
 */
export class StreamingScaler {
  #count = 0
  #mean: Float64Array
  #m2: Float64Array
  #frozen: ScalerState | null = null
  #scale: { mean: Float32Array; inv: Float32Array } | null = null

  /**
   * `features` columns are standardised, the first of each row of `stride` values (the rest, a
   * categorical feature's embedding index, pass through).
   */
  constructor (readonly features: number, state?: ScalerState, readonly stride: number = features) {
    this.#mean = new Float64Array(features)
    this.#m2 = new Float64Array(features)
    if (state) this.#freezeTo(state)
  }

  /** Whether the statistics are frozen (no longer learning). */
  get frozen (): boolean { return this.#frozen !== null }
  /** Rows the statistics come from. */
  get rows (): number { return this.#frozen?.rows ?? this.#count }

  /** Adds rows (row-major, n × features) to the running statistics; ignored once frozen. */
  observe (xs: Float32Array, n: number): void {
    if (this.#frozen) return
    const f = this.features
    const w = this.stride
    for (let r = 0; r < n; r++) {
      this.#count++
      for (let j = 0; j < f; j++) {
        const x = xs[r * w + j]
        const delta = x - this.#mean[j]
        this.#mean[j] += delta / this.#count
        this.#m2[j] += delta * (x - this.#mean[j])
      }
    }
    this.#scale = null
  }

  /** Stops learning: from now on the transform never changes. */
  freeze (): ScalerState {
    if (!this.#frozen) this.#freezeTo(this.#current())
    return this.#frozen!
  }

  /** The statistics in use (frozen, or the running estimate). */
  state (): ScalerState {
    return this.#frozen ?? this.#current()
  }

  /** Standardises rows in place: (x - mean) / std with the current statistics. */
  transform (xs: Float32Array, n: number): Float32Array {
    if (this.rows === 0) return xs
    if (!this.#scale) {
      const { mean, std } = this.state()
      this.#scale = { mean: Float32Array.from(mean), inv: Float32Array.from(std, s => 1 / s) }
    }
    const { mean, inv } = this.#scale
    const f = this.features
    const w = this.stride
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < f; j++) xs[r * w + j] = (xs[r * w + j] - mean[j]) * inv[j]
    }
    return xs
  }

  #current (): ScalerState {
    const n = this.#count
    return {
      mean: Array.from(this.#mean),
      // A constant feature (std 0) is centred but not scaled.
      std: Array.from(this.#m2, m2 => { const s = n > 1 ? Math.sqrt(m2 / (n - 1)) : 1; return s > 1e-12 ? s : 1 }),
      rows: n
    }
  }

  #freezeTo (state: ScalerState): void {
    if (state.mean.length !== this.features || state.std.length !== this.features) {
      throw new Error(`scaler has ${state.mean.length} features, the model expects ${this.features}`)
    }
    this.#frozen = { mean: [...state.mean], std: [...state.std], rows: state.rows }
    this.#scale = null
  }
}
