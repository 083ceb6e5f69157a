import { Observable, type OperatorFunction } from 'rxjs'
import type { StepResult } from './protocol.js'
import type { ModelRunner } from './runner.js'

/** What a training step needs: n rows of features (row-major) and their 0/1 labels. */
export interface TrainableBatch {
  xs: Float32Array
  ys: Float32Array
  n: number
}

export interface TrainStep extends StepResult {
  /** 1-based step number within this subscription (an epoch when the source is one epoch). */
  step: number
  /** Rows in this step. */
  n: number
}

/** Settings of {@link trainBatches}. */
export interface TrainBatchesOptions {
  /**
   * Steps handed to the worker before the previous ones finish (default 2): the worker starts
   * the next step the moment one ends, while the main thread decodes the batch after it.
   */
  inFlight?: number
}

const DEFAULTS: Required<TrainBatchesOptions> = { inFlight: 2 }

/**
 * Trains `runner`'s model on each batch (one optimizer step each, in order) and emits the step's
 * loss and accuracy. Compute happens in the runner's worker thread; batches that arrive while
 * `inFlight` steps are running wait in a queue here. Completes when the last step has finished.
 *
 * @example
 * fromPartition({ topic: 'susy-train' }).pipe(decodeCsv(), batch(64), toArrays(), trainBatches(runner))
 *   .subscribe(({ step, loss }) => console.log(step, loss))
 */
export function trainBatches (runner: ModelRunner, options: TrainBatchesOptions = {}): OperatorFunction<TrainableBatch, TrainStep> {
  const { inFlight } = { ...DEFAULTS, ...options }
  if (!Number.isInteger(inFlight) || inFlight < 1) throw new RangeError(`trainBatches: inFlight must be a positive integer, got ${inFlight}`)

  return source => new Observable<TrainStep>(subscriber => {
    let waiting: TrainableBatch[] = []
    let running = 0
    let sent = 0
    let sourceDone = false
    let results: Array<TrainStep | undefined> = []
    let emitted = 0

    const pump = (): void => {
      while (running < inFlight && waiting.length > 0 && !subscriber.closed) {
        const batch = waiting.shift()!
        const step = ++sent
        running++
        // The runner copies xs/ys before this returns, so pooled source buffers may be reused.
        runner.trainBatch(batch.xs, batch.ys, batch.n).then(result => {
          running--
          results[step - 1 - emitted] = { ...result, step, n: batch.n }
          // The worker serves requests in order, but emit strictly by step number regardless.
          while (results[0] !== undefined) {
            subscriber.next(results.shift()!)
            emitted++
          }
          pump()
          if (sourceDone && running === 0 && waiting.length === 0) subscriber.complete()
        }, error => subscriber.error(error))
      }
    }

    const subscription = source.subscribe({
      next (batch) {
        // Sent now, the runner copies the arrays at once; a batch that must wait is copied here,
        // because a pooled source (toArrays({ reuse })) overwrites its buffers.
        waiting.push(running < inFlight ? batch : { xs: batch.xs.slice(), ys: batch.ys.slice(), n: batch.n })
        pump()
      },
      error: err => subscriber.error(err),
      complete () {
        sourceDone = true
        if (running === 0 && waiting.length === 0) subscriber.complete()
      }
    })
    return () => {
      subscription.unsubscribe()
      waiting = []
      results = []
    }
  })
}
