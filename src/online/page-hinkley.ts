// The Page-Hinkley test (E. S. Page, "Continuous inspection schemes", Biometrika 41, 1954; in the
// form Gama et al. use for drift detection, "On evaluating stream learning algorithms", 2013):
// a change detector for an increase in the mean of a sequence, here the per-row prequential loss.
//
//   x̄_T = mean of x_1..x_T                     (since the last detection)
//   m_T = Σ_{t≤T} (x_t − x̄_t − δ)               cumulative deviation above the running mean
//   M_T = min_{t≤T} m_t
//   alarm when m_T − M_T > λ                     (and at least minRows rows were seen)
//
// Why Page-Hinkley rather than ADWIN: it is one-sided, so it alarms when the loss rises and never
// when a model that is still learning gets better (ADWIN flags any change in the mean, a falling
// loss included); and its whole state is five numbers, saved with each version's lineage in the
// same atomic step, so a restarted learner resumes with exactly the detector it had.
// δ is the size of a rise it tolerates (per row, in loss units), λ the evidence it needs.

/** Settings of a {@link PageHinkley} test. */
export interface PageHinkleyOptions {
  /** Tolerated rise of the mean per row (δ). */
  delta: number
  /** Detection threshold (λ), in the sequence's units summed over rows. */
  threshold: number
  /** Rows since the last detection before the test may alarm. */
  minRows: number
}

/** Everything the detector carries from row to row (JSON, stored with a version's lineage). */
export interface PageHinkleyState {
  rows: number
  mean: number
  sum: number
  min: number
}

/** The online learner's defaults: a rise of 0.05 nats per row tolerated, 50 nats of evidence, 30 rows between detections. */
export const PAGE_HINKLEY_DEFAULTS: PageHinkleyOptions = { delta: 0.05, threshold: 50, minRows: 30 }

const EMPTY: PageHinkleyState = { rows: 0, mean: 0, sum: 0, min: 0 }

/** The one-sided Page-Hinkley test for a rise in the mean of a stream of values (here: per-row log loss). */
export class PageHinkley {
  readonly options: PageHinkleyOptions
  #s: PageHinkleyState

  constructor (options: Partial<PageHinkleyOptions> = {}, state: PageHinkleyState = EMPTY) {
    this.options = { ...PAGE_HINKLEY_DEFAULTS, ...options }
    this.#s = { ...state }
  }

  /** Adds one value; true when it completes a detection (the test then starts afresh). */
  add (x: number): boolean {
    if (!Number.isFinite(x)) return false
    const s = this.#s
    s.rows++
    s.mean += (x - s.mean) / s.rows
    s.sum += x - s.mean - this.options.delta
    s.min = Math.min(s.min, s.sum)
    if (s.rows >= this.options.minRows && s.sum - s.min > this.options.threshold) {
      this.reset()
      return true
    }
    return false
  }

  /** The test statistic m_T − M_T (compare with the threshold). */
  get statistic (): number { return this.#s.sum - this.#s.min }

  /** Forgets the stream so far (after a detection: the next change is measured from here). */
  reset (): void {
    this.#s = { ...EMPTY }
  }

  /** The four numbers that make the test, to save and restore. */
  state (): PageHinkleyState {
    return { ...this.#s }
  }
}
