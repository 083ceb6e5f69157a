// Opens a data source named by a path or an http(s):// or file:// URL as a byte stream, with a
// one-line error that says what was tried when it cannot be read.
import { createReadStream } from 'node:fs'
import { access } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { ReadableStream } from 'node:stream/web'
import { fileURLToPath } from 'node:url'
import { UsageError } from '../errors.js'

export async function openUrl (source: string): Promise<Readable> {
  if (/^https?:\/\//i.test(source)) {
    let response: Response
    try {
      response = await fetch(source)
    } catch (error) {
      const cause = (error as { cause?: { code?: string, message?: string } }).cause
      throw new UsageError(`cannot reach ${source} (${cause?.code ?? cause?.message ?? (error as Error).message}): download it elsewhere and pass its path with --data`)
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel()
      throw new UsageError(`${source} answered HTTP ${response.status} ${response.statusText}: check the address, or download the file and pass its path with --data`)
    }
    return Readable.fromWeb(response.body as ReadableStream<Uint8Array>)
  }
  const path = source.startsWith('file://') ? fileURLToPath(source) : source
  try {
    await access(path)
  } catch {
    throw new UsageError(`no such file: ${path}`)
  }
  return createReadStream(path, { highWaterMark: 1 << 20 })
}
