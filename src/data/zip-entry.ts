// Streams the first .csv or .csv.gz entry out of a zip archive as it downloads, reading local file
// headers in order (UCI now serves SUSY as susy.zip holding SUSY.csv.gz). No central directory
// needed, so `--rows 100000` reads only the first megabytes of a 922 MB download.
import { PassThrough, Readable } from 'node:stream'
import { createInflateRaw } from 'node:zlib'

const LOCAL_HEADER = 0x04034b50
const WANTED = /\.csv(\.gz)?$/i

/** Returns the wanted entry's bytes (decompressed from the zip's deflate, not from its own gzip). */
export function zipEntry (zip: Readable, wanted: RegExp = WANTED): Readable {
  const out = new PassThrough()
  void extract(zip, wanted, out).catch(error => out.destroy(error as Error))
  out.on('close', () => zip.destroy())
  return out
}

async function extract (zip: Readable, wanted: RegExp, out: PassThrough): Promise<void> {
  const chunks = zip[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  let buffered = Buffer.alloc(0)
  const need = async (n: number): Promise<boolean> => {
    while (buffered.length < n) {
      const next = await chunks.next()
      if (next.done) return false
      buffered = buffered.length === 0 ? next.value : Buffer.concat([buffered, next.value])
    }
    return true
  }
  for (;;) {
    if (!await need(30) || buffered.readUInt32LE(0) !== LOCAL_HEADER) {
      throw new Error('no .csv or .csv.gz entry in the zip archive')
    }
    const flags = buffered.readUInt16LE(6)
    const method = buffered.readUInt16LE(8)
    const compressedSize = buffered.readUInt32LE(18)
    const nameLength = buffered.readUInt16LE(26)
    const extraLength = buffered.readUInt16LE(28)
    if (!await need(30 + nameLength + extraLength)) throw new Error('truncated zip archive')
    const name = buffered.subarray(30, 30 + nameLength).toString('utf8')
    buffered = buffered.subarray(30 + nameLength + extraLength)
    // Bit 3: sizes follow the data instead of preceding it; 0xffffffff: zip64 sizes in the extra field.
    const sizeKnown = (flags & 0x08) === 0 && compressedSize !== 0xffffffff
    if (wanted.test(name)) {
      if (method !== 0 && method !== 8) throw new Error(`zip entry ${name} uses compression method ${method}; only stored and deflate are supported`)
      const decoder = method === 8 ? createInflateRaw() : new PassThrough()
      decoder.on('error', error => out.destroy(error))
      decoder.pipe(out)
      let remaining = sizeKnown ? compressedSize : Infinity
      const feed = async (bytes: Buffer): Promise<void> => {
        const part = bytes.subarray(0, Math.min(bytes.length, remaining))
        remaining -= part.length
        if (!decoder.write(part)) await new Promise(resolve => decoder.once('drain', resolve))
      }
      if (buffered.length > 0) await feed(buffered)
      while (remaining > 0 && !out.destroyed) {
        const next = await chunks.next()
        if (next.done) break
        await feed(next.value)
      }
      decoder.end()
      return
    }
    if (!sizeKnown) throw new Error(`zip entry ${name} comes before the data and has no size in its header; unzip the archive and pass the .csv.gz with --data`)
    let skip = compressedSize
    while (skip > 0) {
      if (buffered.length === 0 && !await need(1)) throw new Error('truncated zip archive')
      const n = Math.min(skip, buffered.length)
      buffered = buffered.subarray(n)
      skip -= n
    }
  }
}
