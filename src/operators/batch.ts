import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs'

/** Settings of {@link batch}. */
export interface BatchOptions {
  /**
   * Emit a partial batch once this many ms have passed since its first element, so that a slow
   * stream still makes progress. Default: wait for a full batch (or completion).
   */
  maxWaitMs?: number
  /** Scheduler for the maxWaitMs timer (tests pass a TestScheduler). */
  scheduler?: SchedulerLike
}

/**
 * Groups elements into arrays of `size`, or fewer when `maxWaitMs` passes after the first
 * element of a batch, or at completion. Never emits an empty array. The emitted arrays belong
 * to the subscriber.
 *
 * @example
 * examples$.pipe(batch(64, { maxWaitMs: 200 })) // at most 64 a batch, at most 200 ms late
 */
export function batch<T> (size: number, options: BatchOptions = {}): OperatorFunction<T, T[]> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch: size must be a positive integer, got ${size}`)
  const { maxWaitMs, scheduler = asyncScheduler } = options
  if (maxWaitMs !== undefined && !(maxWaitMs >= 0)) throw new RangeError(`batch: maxWaitMs must be >= 0, got ${maxWaitMs}`)

  return source => new Observable<T[]>(subscriber => {
    let current: T[] = []
    let timer: Subscription | null = null

    const emit = (): void => {
      timer?.unsubscribe()
      timer = null
      const out = current
      current = []
      subscriber.next(out)
    }

    const subscription = source.subscribe({
      next (value) {
        current.push(value)
        if (current.length === size) emit()
        else if (current.length === 1 && maxWaitMs !== undefined) {
          timer = scheduler.schedule(() => { timer = null; if (current.length > 0) emit() }, maxWaitMs)
        }
      },
      error: err => subscriber.error(err),
      complete () {
        if (current.length > 0) emit()
        subscriber.complete()
      }
    })
    return () => {
      subscription.unsubscribe()
      timer?.unsubscribe()
      current = []
    }
  })
}
