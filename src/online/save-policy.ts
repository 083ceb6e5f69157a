// When the online trainer saves a model version: every M mini-batches or T seconds, whichever
// comes first, and always when it stops. Saving more often loses less work to a crash; each save
// is one Redis transaction of the weights (~270 kB for the tutorial's model).
import { UsageError } from '../errors.js'

/**
 * When the online learner saves a version: after so many mini-batches or so much time, whichever comes
 * first.
 */
export interface SavePolicy {
  /** Save after this many mini-batches since the last save (Infinity: never by count). */
  everyBatches: number
  /** Save when this many milliseconds have passed since the last save (Infinity: never by time). */
  everyMs: number
}

/** The online trainer's default: every 10 mini-batches or 30 s, whichever comes first. */
export const DEFAULT_SAVE_POLICY: SavePolicy = { everyBatches: 10, everyMs: 30_000 }

/**
 * Parses `--save-every`: `N` (mini-batches), a duration (`30s`, `500ms`, `2m`), or both separated
 * by a comma (`10,30s`), whichever comes first.
 */
export function parseSavePolicy (text: string): SavePolicy {
  const policy: SavePolicy = { everyBatches: Infinity, everyMs: Infinity }
  const parts = text.split(',').map(p => p.trim())
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|b|batches)?$/.exec(part)
    if (m === null || Number(m[1]) <= 0) {
      throw new UsageError(`--save-every expects N (mini-batches), a duration like 30s or 500ms, or both as "10,30s"; got "${text}"`)
    }
    const n = Number(m[1])
    const unit = m[2] ?? 'b'
    const batches = unit === 'b' || unit === 'batches'
    // "10,30s,5" would silently let the last count win: one count and one duration at most.
    if (batches ? policy.everyBatches !== Infinity : policy.everyMs !== Infinity) {
      throw new UsageError(`--save-every takes at most one count and one duration: give e.g. "10,30s", got "${text}"`)
    }
    if (batches) {
      if (!Number.isInteger(n)) throw new UsageError(`--save-every: a count of mini-batches must be an integer, got "${part}"`)
      policy.everyBatches = n
    } else {
      policy.everyMs = unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000
    }
  }
  return policy
}

/** The `--save-every` text of a policy: "10,30s", "5", "500ms". */
export function formatSavePolicy (policy: SavePolicy): string {
  const parts: string[] = []
  if (Number.isFinite(policy.everyBatches)) parts.push(String(policy.everyBatches))
  if (Number.isFinite(policy.everyMs)) parts.push(policy.everyMs % 1000 === 0 ? `${policy.everyMs / 1000}s` : `${policy.everyMs}ms`)
  return parts.join(',')
}

/**
 * Tracks mini-batches and time since the last save.
 *
 * ```ts
 * const schedule = new SaveSchedule({ everyBatches: 10, everyMs: 30_000 })
 * if (schedule.batchDone()) { await save(); schedule.saved() }
 * ```
 */
export class SaveSchedule {
  readonly policy: SavePolicy
  readonly #now: () => number
  #batches = 0
  #since: number

  constructor (policy: SavePolicy = DEFAULT_SAVE_POLICY, now: () => number = Date.now) {
    this.policy = policy
    this.#now = now
    this.#since = now()
  }

  /** Counts one trained mini-batch; true when a version is due. */
  batchDone (): boolean {
    this.#batches++
    return this.#batches >= this.policy.everyBatches || this.#now() - this.#since >= this.policy.everyMs
  }

  /** Mini-batches trained since the last save. */
  get pending (): number { return this.#batches }

  /** Resets the counters after a save. */
  saved (): void {
    this.#batches = 0
    this.#since = this.#now()
  }
}
