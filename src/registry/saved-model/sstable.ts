// A LevelDB-format table (SSTable) read whole into a key -> value map: the format of a TensorFlow
// checkpoint's `variables.index` (https://github.com/google/leveldb/blob/main/doc/table_format.md).
// A footer points at an index block whose entries point at data blocks; each block is a run of
// prefix-compressed entries and a restart array, followed by a compression byte and a masked
// CRC-32C. TensorFlow writes these blocks uncompressed, the only kind read here.
import { maskedCrc32c } from './crc32c.js'
import { readVarint } from './protobuf.js'

export class TableError extends Error {}

const FOOTER = 48
const MAGIC = [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]
const TRAILER = 5

/** Every entry of the table, keys as latin1 text (TensorFlow's keys are ASCII paths). */
export function readTable (file: Uint8Array): Map<string, Uint8Array> {
  if (file.length < FOOTER) throw new TableError(`${file.length} bytes, shorter than a table's ${FOOTER}-byte footer`)
  const footer = file.subarray(file.length - FOOTER)
  if (!MAGIC.every((b, i) => footer[40 + i] === b)) throw new TableError('no table magic number at its end (truncated, or not a table)')
  const [, afterMeta] = handle(footer, 0)
  const [index] = handle(footer, afterMeta)
  const entries = new Map<string, Uint8Array>()
  for (const [, value] of blockEntries(block(file, index, 'index'))) {
    for (const [key, v] of blockEntries(block(file, handle(value, 0)[0], 'data'))) entries.set(key, v)
  }
  return entries
}

interface Handle { offset: number, size: number }

function handle (buf: Uint8Array, at: number): [Handle, number] {
  const [offset, next] = readVarint(buf, at)
  const [size, end] = readVarint(buf, next)
  return [{ offset, size }, end]
}

function block (file: Uint8Array, { offset, size }: Handle, what: string): Uint8Array {
  if (offset + size + TRAILER > file.length - FOOTER) throw new TableError(`its ${what} block at byte ${offset} (${size} bytes) runs past the end`)
  const contents = file.subarray(offset, offset + size)
  const type = file[offset + size]
  if (type !== 0) throw new TableError(`its ${what} block at byte ${offset} is compressed (type ${type}); only uncompressed tables are read`)
  const stored = new DataView(file.buffer, file.byteOffset + offset + size + 1, 4).getUint32(0, true)
  if (stored !== maskedCrc32c(file.subarray(offset, offset + size + 1))) throw new TableError(`its ${what} block at byte ${offset} fails its CRC-32C (damaged)`)
  return contents
}

/** A block's entries in order: each key shares a prefix with the one before it. */
function * blockEntries (contents: Uint8Array): Generator<[string, Uint8Array]> {
  if (contents.length < 4) throw new TableError('a block too short for its restart count')
  const restarts = new DataView(contents.buffer, contents.byteOffset + contents.length - 4, 4).getUint32(0, true)
  const end = contents.length - 4 - 4 * restarts
  if (end < 0) throw new TableError(`a block claims ${restarts} restart points, more than it holds`)
  let at = 0
  let key = ''
  while (at < end) {
    const [shared, a] = readVarint(contents, at)
    const [unshared, b] = readVarint(contents, a)
    const [length, c] = readVarint(contents, b)
    if (shared > key.length || c + unshared + length > end) throw new TableError(`a block entry at byte ${at} is malformed`)
    key = key.slice(0, shared) + Buffer.from(contents.subarray(c, c + unshared)).toString('latin1')
    at = c + unshared + length
    yield [key, contents.subarray(c + unshared, at)]
  }
}
