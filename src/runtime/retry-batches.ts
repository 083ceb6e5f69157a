// retryBatches: what a transactional pipeline does after a failed batch. The batch was aborted
// (nothing of it is committed), so resubscribing re-reads it from the group's committed offsets.
import { EMPTY, retry, throwError, timer, type MonoTypeOperatorFunction } from 'rxjs'
import { FencedError, RebalanceError } from '../errors.js'
import { isTransientKafkaError } from '../kafka/client-errors.js'
import type { Logger } from './logger.js'

/**
 * How {@link retryBatches} retries a failed attempt: how many times in a row, and for how long while
 * Kafka is away.
 */
export interface RetryBatchesOptions {
  /** Consecutive failed attempts before giving up; a committed batch resets the count. */
  maxRetries: number
  /**
   * Transient Kafka failures (a broker away, a leader or coordinator moving) are retried, however
   * many, for this long since the first failure in a row; then `outage` is thrown. 0: counted like the rest.
   */
  outageMs?: number
  /** The error thrown when transient failures outlast `outageMs`. */
  outage?: (seconds: number, last: unknown) => Error
  /** Once aborted, a failure ends the run cleanly: what failed is read again by the next run. */
  signal?: AbortSignal
  logger?: Logger
  /** Called on every failure, before deciding. */
  onFailure?: (error: unknown) => void
}

/**
 * Fenced: stop (another instance owns the transactional id). Rebalanced: re-read at once.
 * Anything else: re-read after 100, 200, 400 ... ms (at most 5 s), up to `maxRetries` times; a
 * transient Kafka failure until `outageMs` has passed since the streak began.
 */
export function retryBatches<T> ({ maxRetries, outageMs = 0, outage, signal, logger, onFailure }: RetryBatchesOptions): MonoTypeOperatorFunction<T> {
  let streakStart = 0
  return retry({
    resetOnSuccess: true,
    delay: (error: unknown, n: number) => {
      onFailure?.(error)
      if (n === 1) streakStart = Date.now()
      if (signal?.aborted === true && !(error instanceof FencedError)) return EMPTY
      if (error instanceof FencedError) return throwError(() => error)
      const elapsed = Date.now() - streakStart
      const transient = error instanceof RebalanceError || isTransientKafkaError(error)
      // A Kafka outage is bounded by time (the count of failed batches depends on how long each took).
      if (transient && outageMs > 0 ? elapsed >= outageMs : n > maxRetries) {
        return throwError(() => transient && outage !== undefined ? outage(Math.round(elapsed / 1000), error) : error)
      }
      const wait = error instanceof RebalanceError ? 0 : Math.min(100 * 2 ** (Math.min(n, 20) - 1), 5_000)
      logger?.warn({ err: error, attempt: n, retryInMs: wait }, `batch failed (${(error as Error)?.message}); aborted, re-reading from the committed offsets`)
      return timer(wait)
    }
  })
}
