// untilAborted: completes a source when an AbortSignal fires, so that what is downstream (the
// batch in hand) can finish and commit before the pipeline stops.
import { EMPTY, fromEvent, takeUntil, type MonoTypeOperatorFunction } from 'rxjs'

/**
 * Completes the source when `signal` aborts, so what is downstream (the batch in hand) can finish and
 * commit before the pipeline stops.
 */
export function untilAborted<T> (signal: AbortSignal | undefined): MonoTypeOperatorFunction<T> {
  return source => {
    if (signal === undefined) return source
    if (signal.aborted) return EMPTY
    return source.pipe(takeUntil(fromEvent(signal, 'abort')))
  }
}
