// The refit drift action's memory: the rows seen since a detection (at most `size`, the newest),
// fitted again with every step for a while. After a drift the rows since it are the only ones of
// the new concept; fitting each step's 16 or 32 rows alone gives the model a few gradient steps
// per step on them, while fitting the whole window gives it ten times as many, on rows that all
// come after the change. The window is part of the drift state saved with each version, so a
// learner restarted mid-refit fits the same rows as the one that stopped.

/** A refit in progress, as saved with a version's lineage (numbers, for JSON). */
export interface RefitWindowState {
  /** Rows still to be fitted with the window. */
  left: number
  features: number
  xs: number[]
  ys: number[]
}

/** The rows since a detection, fitted with each step until `left` rows have gone by. */
export class RefitWindow {
  readonly size: number
  #left: number
  #features: number
  #xs: number[]
  #ys: number[]

  constructor (size: number, state?: RefitWindowState) {
    this.size = size
    this.#left = state?.left ?? 0
    this.#features = state?.features ?? 0
    this.#xs = [...(state?.xs ?? [])]
    this.#ys = [...(state?.ys ?? [])]
  }

  /** Whether a refit is in progress. */
  get active (): boolean { return this.#left > 0 }

  /**
   * Starts a refit over the next `rows` rows, with an empty window; a detection during a refit
   * extends it and keeps its window (the rows since the first are still after the change).
   */
  start (rows: number): void {
    if (!this.active) { this.#xs = []; this.#ys = [] }
    this.#left = rows
  }

  /**
   * The rows to fit for a step of `m` rows (`x` holds `features` values per row, `y` one label): the step's own
   * when no refit is in progress, else the window with the step's rows added (the oldest dropped).
   */
  rows (x: Float32Array, y: Float32Array, m: number, features: number): { x: Float32Array, y: Float32Array, m: number } {
    if (!this.active) return { x, y, m }
    if (this.#features !== features) { this.#features = features; this.#xs = []; this.#ys = [] }
    this.#xs.push(...x.subarray(0, m * features))
    this.#ys.push(...y.subarray(0, m))
    const drop = Math.max(0, this.#ys.length - this.size)
    if (drop > 0) {
      this.#xs.splice(0, drop * features)
      this.#ys.splice(0, drop)
    }
    const fit = { x: Float32Array.from(this.#xs), y: Float32Array.from(this.#ys), m: this.#ys.length }
    this.#left = Math.max(0, this.#left - m)
    if (!this.active) { this.#xs = []; this.#ys = [] }
    return fit
  }

  /** The refit in progress, to save (undefined when none). */
  state (): RefitWindowState | undefined {
    return this.active ? { left: this.#left, features: this.#features, xs: [...this.#xs], ys: [...this.#ys] } : undefined
  }
}
