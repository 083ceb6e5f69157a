// Generated rows made on a worker thread: the main thread, busy encoding Kafka records, only
// wraps them. The same seed gives the same rows as syntheticRows(seed), in the same order.
import { Worker } from 'node:worker_threads'
import type { SyntheticWorkerBatch, SyntheticWorkerData } from './synthetic-worker.js'

export interface SyntheticBatch {
  count: number
  /** 0 or 1 per row. */
  labels: Uint8Array
  /** Each row's 18 features as a CSV line (views into one transferred buffer). */
  values: Buffer[]
}

/**
 * Yields `total` generated rows in batches of `batchRows`, keeping `ahead` batches requested.
 * @example for await (const b of syntheticBatches(42, 1_000_000)) for (let i = 0; i < b.count; i++) send(b.labels[i], b.values[i])
 */
export async function * syntheticBatches (seed: number, total: number, { batchRows = 8192, ahead = 2 } = {}): AsyncGenerator<SyntheticBatch> {
  const data: SyntheticWorkerData = { seed, total, batchRows }
  const worker = new Worker(new URL('./synthetic-worker.js', import.meta.url), { workerData: data })
  const queue: SyntheticWorkerBatch[] = []
  let failure: Error | null = null
  let wake: (() => void) | null = null
  worker.on('message', (batch: SyntheticWorkerBatch) => { queue.push(batch); wake?.() })
  worker.on('error', error => { failure = error; wake?.() })
  const batches = Math.ceil(total / batchRows)
  let requested = 0
  const request = (): void => { if (requested < batches) { requested++; worker.postMessage(0) } }
  try {
    for (let i = 0; i < ahead; i++) request()
    for (let received = 0; received < batches; received++) {
      while (queue.length === 0 && failure === null) await new Promise<void>(resolve => { wake = resolve })
      wake = null
      if (failure !== null) throw failure
      const batch = queue.shift() as SyntheticWorkerBatch
      request()
      const values = new Array<Buffer>(batch.count)
      let start = 0
      for (let i = 0; i < batch.count; i++) {
        values[i] = Buffer.from(batch.bytes.buffer, start, batch.ends[i] - start)
        start = batch.ends[i]
      }
      yield { count: batch.count, labels: batch.labels, values }
    }
  } finally {
    await worker.terminate()
  }
}
