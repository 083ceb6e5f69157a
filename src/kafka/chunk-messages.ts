// Splits messages into produce requests the broker accepts: a request carries one record batch
// per partition, and the broker refuses a batch over message.max.bytes (1 MiB by default).
import type { MessageToProduce } from '@platformatic/kafka'

/** Key and value bytes per request, at most (headers and framing stay well inside the margin). */
export const MAX_REQUEST_BYTES = 512 * 1024

export function chunkMessages<M extends MessageToProduce> (messages: M[], maxBytes = MAX_REQUEST_BYTES): M[][] {
  const chunks: M[][] = []
  let chunk: M[] = []
  let bytes = 0
  for (const m of messages) {
    const size = byteLength(m.key) + byteLength(m.value)
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk)
      chunk = []
      bytes = 0
    }
    chunk.push(m)
    bytes += size
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}

function byteLength (data: unknown): number {
  return Buffer.isBuffer(data) ? data.length : typeof data === 'string' ? Buffer.byteLength(data) : 0
}
