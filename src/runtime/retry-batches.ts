// retryBatches: what a transactional pipeline does after a failed batch. The batch was aborted
// (nothing of it is committed), so resubscribing re-reads it from the group's committed offsets.
import { EMPTY, retry, throwError, timer, type MonoTypeOperatorFunction } from 'rxjs'
import { FencedError, RebalanceError } from '../errors.js'
import type { Logger } from './logger.js'

export interface RetryBatchesOptions {
  /** Consecutive failed attempts before giving up; a committed batch resets the count. */
  maxRetries: number
  /** Once aborted, a failure ends the run cleanly: what failed is read again by the next run. */
  signal?: AbortSignal
  logger?: Logger
  /** Called on every failure, before deciding. */
  onFailure?: (error: unknown) => void
}

/**
 * Fenced: stop (another instance owns the transactional id). Rebalanced: re-read at once.
 * Anything else: re-read after 100, 200, 400 ... ms (at most 5 s), up to `maxRetries` times.
 */
export function retryBatches<T> ({ maxRetries, signal, logger, onFailure }: RetryBatchesOptions): MonoTypeOperatorFunction<T> {
  return retry({
    resetOnSuccess: true,
    delay: (error: unknown, n: number) => {
      onFailure?.(error)
      if (signal?.aborted === true && !(error instanceof FencedError)) return EMPTY
      if (error instanceof FencedError || n > maxRetries) return throwError(() => error)
      const wait = error instanceof RebalanceError ? 0 : Math.min(100 * 2 ** (n - 1), 5_000)
      logger?.warn({ err: error, attempt: n, retryInMs: wait }, `batch failed (${(error as Error)?.message}); aborted, re-reading from the committed offsets`)
      return timer(wait)
    }
  })
}
