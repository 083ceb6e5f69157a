// Worker thread of syntheticBatches: generates rows into fresh buffers and transfers them (no
// copy), one batch per request from the main thread, so it never runs more than a few batches ahead.
import { parentPort, workerData } from 'node:worker_threads'
import { SYNTHETIC_ROW_BYTES_MAX, syntheticRowWriter } from './synthetic.js'

export interface SyntheticWorkerData { seed: number, total: number, batchRows: number }
export interface SyntheticWorkerBatch { count: number, bytes: Uint8Array, ends: Uint32Array, labels: Uint8Array }

const { seed, total, batchRows } = workerData as SyntheticWorkerData
const write = syntheticRowWriter(seed)
let made = 0

parentPort?.on('message', () => {
  const count = Math.min(batchRows, total - made)
  if (count <= 0) return
  const bytes = new Uint8Array(count * SYNTHETIC_ROW_BYTES_MAX)
  const ends = new Uint32Array(count)
  const labels = new Uint8Array(count)
  let at = 0
  for (let i = 0; i < count; i++) {
    const r = write(bytes, at)
    at = r < 0 ? -r - 1 : r
    ends[i] = at
    labels[i] = r < 0 ? 1 : 0
  }
  made += count
  const batch: SyntheticWorkerBatch = { count, bytes, ends, labels }
  parentPort?.postMessage(batch, [bytes.buffer, ends.buffer, labels.buffer])
})
