// The protobuf wire format, read only, as far as a SavedModel's few messages need it
// (https://protobuf.dev/programming-guides/encoding/). Hand-written rather than a protobuf library:
// four wire types and a varint are all it takes, and no .proto files or code generation come with it.

/** Thrown for bytes that are not the message they should be; callers name the file. */
export class ProtobufError extends Error {}

/** One field as it appears on the wire; `bytes` for length-delimited ones, `value` for the rest. */
export interface WireField {
  field: number
  wire: 0 | 1 | 2 | 5
  value: number
  bytes: Uint8Array
}

const EMPTY = new Uint8Array(0)

/** Reads a varint at `at`; returns [value, next]. Exact up to 2^53 (offsets and sizes, not hashes). */
export function readVarint (buf: Uint8Array, at: number): [number, number] {
  let value = 0
  let scale = 1
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const byte = buf[i]
    value += (byte & 0x7f) * scale
    if (byte < 0x80) return [value, i + 1]
    scale *= 128
  }
  throw new ProtobufError(`a varint at byte ${at} runs past the end`)
}

/** The fields of one message, in wire order (repeated fields appear once each). */
export function * fields (buf: Uint8Array): Generator<WireField> {
  let at = 0
  while (at < buf.length) {
    const [tag, next] = readVarint(buf, at)
    at = next
    const field = Math.floor(tag / 8)
    const wire = tag & 7
    if (field === 0) throw new ProtobufError(`field number 0 at byte ${at}`)
    if (wire === 0) {
      const [value, after] = readVarint(buf, at)
      at = after
      yield { field, wire, value, bytes: EMPTY }
    } else if (wire === 2) {
      const [length, start] = readVarint(buf, at)
      if (start + length > buf.length) throw new ProtobufError(`a ${length}-byte field at byte ${start} runs past the end`)
      at = start + length
      yield { field, wire, value: length, bytes: buf.subarray(start, at) }
    } else if (wire === 1 || wire === 5) {
      const width = wire === 1 ? 8 : 4
      if (at + width > buf.length) throw new ProtobufError(`a fixed-width field at byte ${at} runs past the end`)
      // Only fixed32 (a CRC) is read as a number; fixed64 fields are skipped by every caller.
      const value = new DataView(buf.buffer, buf.byteOffset + at, 4).getUint32(0, true)
      at += width
      yield { field, wire, value, bytes: EMPTY }
    } else {
      throw new ProtobufError(`wire type ${wire} at byte ${at} (groups are not used by these messages)`)
    }
  }
}

/** A UTF-8 string field's text. */
export function text (bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes)
}
