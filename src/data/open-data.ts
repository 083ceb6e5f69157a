// Opens SUSY data from a path or URL as plain CSV bytes, whatever the packaging: plain .csv,
// gzip (.csv.gz) or a zip holding either. The packaging is told by the first bytes, not the name.
import { PassThrough, Readable, pipeline } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { openUrl } from './open-url.js'
import { zipEntry } from './zip-entry.js'

/** A decompressed byte stream of CSV rows. Destroy it to stop reading (and downloading) early. */
export async function openSusyData (source: string): Promise<Readable> {
  return unwrap(await openUrl(source), 0)
}

async function unwrap (stream: Readable, depth: number): Promise<Readable> {
  const { head, rest } = await peek(stream)
  if (depth < 3 && head[0] === 0x1f && head[1] === 0x8b) return unwrap(chain(rest, createGunzip()), depth + 1)
  if (depth < 3 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return unwrap(zipEntry(rest), depth + 1)
  return rest
}

// Reads the first chunk and gives back a stream that still starts with it.
async function peek (stream: Readable): Promise<{ head: Buffer, rest: Readable }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const first = await iterator.next()
  const head = first.done === true ? Buffer.alloc(0) : first.value
  const rest = Readable.from((async function * () {
    if (head.length > 0) yield head
    for (;;) {
      const next = await iterator.next()
      if (next.done === true) return
      yield next.value
    }
  })(), { objectMode: false })
  rest.on('close', () => stream.destroy())
  return { head, rest }
}

// pipeline() so that an error or an early destroy anywhere tears the whole chain down.
function chain (source: Readable, transform: NodeJS.ReadWriteStream): Readable {
  const out = new PassThrough()
  pipeline(source, transform, out, () => {})
  return out
}
