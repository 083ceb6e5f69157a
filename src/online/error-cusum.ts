// A CUSUM test on the prequential error (E. S. Page, "Continuous inspection schemes", 1954, for a
// Bernoulli sequence): each row scored is wrong (1) or right (0); the test accumulates the log
// likelihood ratio of "the error rate has doubled" against "it is what it was":
//
//   p0 = the recent error rate (a running mean over the last `memory` rows, about)
//   p1 = min(2·p0, (1 + p0)/2)                  a doubling, at most halfway to always wrong
//   S_T = max(0, S_{T−1} + e_T·ln(p1/p0) + (1 − e_T)·ln((1 − p1)/(1 − p0)))
//   alarm when S_T > h                           (after `warmup` rows in all; S is held at 0 for
//                                                `minRows` rows after an alarm)
//
// h follows the error rate so that false alarms come about once per `falseAlarmRows` rows whatever
// the rate: by Wald's approximation a CUSUM's rows between false alarms are (e^h − h − 1) / KL,
// KL the divergence of p1 from p0 per row. A fixed h would alarm ten times as often on a stream
// with 23% errors (SUSY's) as on one with 10% (SEA's), where each row says more.
//
// Why on the error and not the log loss: a drift that moves a class boundary (River's SEA) flips
// the labels of a tenth of the rows, near the boundary, where the model was unsure anyway; their
// log loss rises little, and Page-Hinkley on it fires only after gradient steps have followed the
// change. Their errors double, which this test sees within a hundred or two rows. Its state is
// four numbers, saved with each version like Page-Hinkley's.

/** Settings of an {@link ErrorCusum} test. */
export interface ErrorCusumOptions {
  /** Rows expected between false alarms on a stream that does not change (sets the threshold h). */
  falseAlarmRows: number
  /** Rows before the first alarm may come: the error rate must be known first. */
  warmup: number
  /** Rows after an alarm before the next may come. */
  minRows: number
  /** Rows the error rate is averaged over. */
  memory: number
}

/** Everything the test carries from row to row (JSON, stored with a version's lineage). */
export interface ErrorCusumState {
  /** Rows since the start or the last alarm (minRows). */
  rows: number
  /** Rows seen in all (the warm-up; the running mean's weight). */
  seen: number
  errorRate: number
  sum: number
}

/** The defaults (bench/drift, SEA: see resolveDrift in drift.ts and docs/online.md). */
export const ERROR_CUSUM_DEFAULTS: ErrorCusumOptions = { falseAlarmRows: 600, warmup: 1000, minRows: 300, memory: 1000 }

const EMPTY: ErrorCusumState = { rows: 0, seen: 0, errorRate: 0, sum: 0 }

/** The one-sided Bernoulli CUSUM for a rise of the error rate. */
export class ErrorCusum {
  readonly options: ErrorCusumOptions
  #s: ErrorCusumState

  constructor (options: Partial<ErrorCusumOptions> = {}, state: ErrorCusumState = EMPTY) {
    this.options = { ...ERROR_CUSUM_DEFAULTS, ...options }
    this.#s = { ...state }
  }

  /** Adds one row's error (1 wrong, 0 right); true when it completes a detection. */
  add (error: number): boolean {
    if (error !== 0 && error !== 1) return false
    const s = this.#s
    s.rows++
    s.seen++
    // The evidence is weighed against the rate before this row.
    const [p0, p1] = rates(s.errorRate)
    // Evidence counts only after the pause: a change that lasts is then seen afresh, not re-alarmed
    // on the evidence of the one just reported.
    if (s.seen > 1 && s.rows > this.options.minRows) s.sum = Math.max(0, s.sum + (error === 1 ? Math.log(p1 / p0) : Math.log((1 - p1) / (1 - p0))))
    s.errorRate += (error - s.errorRate) / Math.min(s.seen, this.options.memory)
    if (s.seen >= this.options.warmup && s.rows >= this.options.minRows && s.sum > threshold(p0, p1, this.options.falseAlarmRows)) {
      s.rows = 0
      s.sum = 0
      return true
    }
    return false
  }

  /** The test statistic S_T. */
  get statistic (): number { return this.#s.sum }

  /** The threshold h at the current error rate. */
  get threshold (): number {
    return threshold(...rates(this.#s.errorRate), this.options.falseAlarmRows)
  }

  /** The four numbers that make the test, to save and restore. */
  state (): ErrorCusumState {
    return { ...this.#s }
  }
}

/** p0, the error rate pinned away from 0 and 1, and p1, the doubled rate the test looks for. */
function rates (errorRate: number): [number, number] {
  const p0 = Math.min(Math.max(errorRate, 0.005), 0.6)
  return [p0, Math.min(2 * p0, (1 + p0) / 2)]
}

/** h such that (e^h − h − 1) / KL(p0‖p1) = rows (three fixed-point steps of h = ln(rows·KL + h + 1), from h = 0). */
function threshold (p0: number, p1: number, rows: number): number {
  const kl = p0 * Math.log(p0 / p1) + (1 - p0) * Math.log((1 - p0) / (1 - p1))
  let h = 0
  for (let i = 0; i < 3; i++) h = Math.log(rows * kl + h + 1)
  return h
}
