// Splits a byte stream into lines without decoding it: each line is a view into the chunk it came
// from (copied only when it straddles two chunks). Lines come in arrays, one per chunk, so a big
// file costs one await per chunk rather than per line.
import type { Readable } from 'node:stream'

const NEWLINE = 0x0a

/**
 * Yields the lines of `stream` (without their '\n'; a '\r' before it is left for the parser),
 * in arrays. A last line without a trailing newline is yielded too; an empty stream yields nothing.
 * @example for await (const lines of readLines(createReadStream('rows.csv'))) for (const line of lines) …
 */
export async function * readLines (stream: Readable | AsyncIterable<Buffer>): AsyncGenerator<Buffer[]> {
  let carry: Buffer | null = null
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const lines: Buffer[] = []
    let start = 0
    let nl = chunk.indexOf(NEWLINE)
    if (nl === -1) {
      carry = carry === null ? chunk : Buffer.concat([carry, chunk])
      continue
    }
    if (carry !== null) {
      lines.push(Buffer.concat([carry, chunk.subarray(0, nl)]))
      carry = null
      start = nl + 1
      nl = chunk.indexOf(NEWLINE, start)
    }
    while (nl !== -1) {
      lines.push(chunk.subarray(start, nl))
      start = nl + 1
      nl = chunk.indexOf(NEWLINE, start)
    }
    if (start < chunk.length) carry = chunk.subarray(start)
    yield lines
  }
  if (carry !== null && carry.length > 0) yield [carry]
}
