// Splits one CSV line (a record's value) into fields, RFC 4180 style: a field that starts with
// the quote character runs to the matching quote, a doubled quote inside it stands for one, and
// the delimiter inside it is text. The split works on the bytes and records where each field
// starts and ends, so a numeric field is parsed in place without a string per field. Delimiter
// and quote may be any one character; a non-ASCII one is matched as its UTF-8 byte sequence
// (no byte of a multi-byte UTF-8 character can start another, so a match is always a character).

/** split() result for a line that does not split. */
export const BAD_CSV = -1

// Per-field flags.
const QUOTED = 1 // the field was quoted: its range is the text between the quotes
const ESCAPED = 2 // and holds doubled quotes, so its text needs unescaping

export class CsvSplitter {
  /** Start and end (exclusive) of each field of the last split, in bytes; quotes excluded. */
  starts = new Int32Array(32)
  ends = new Int32Array(32)
  private flags = new Uint8Array(32)
  /** Why the last split returned BAD_CSV. */
  problem = ''
  private readonly delimiter: Uint8Array
  private readonly quote: Uint8Array
  private readonly unescape: RegExp
  private readonly quoteText: string

  constructor (delimiter: string, quote: string) {
    if ([...delimiter].length !== 1 || [...quote].length !== 1 || delimiter === quote) {
      throw new RangeError(`CsvSplitter: the delimiter and the quote must be two different single characters, got ${JSON.stringify(delimiter)} and ${JSON.stringify(quote)}`)
    }
    this.delimiter = Buffer.from(delimiter)
    this.quote = Buffer.from(quote)
    this.quoteText = quote
    this.unescape = new RegExp(quote.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').repeat(2), 'g')
  }

  /** Splits bytes (a trailing CR/LF is not part of the line); returns the number of fields, or BAD_CSV. */
  split (bytes: Uint8Array): number {
    let end = bytes.length
    while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--
    const d0 = this.delimiter[0]
    const q0 = this.quote[0]
    const dLength = this.delimiter.length
    const qLength = this.quote.length
    let n = 0
    let i = 0
    for (;;) {
      if (n === this.starts.length) this.grow()
      let flags = 0
      let fieldEnd: number
      if (i < end && bytes[i] === q0 && this.at(bytes, i, this.quote, end)) {
        flags = QUOTED
        i += qLength
        this.starts[n] = i
        for (;;) {
          if (i >= end) {
            this.problem = `field ${n + 1}: a quoted field is not closed`
            return BAD_CSV
          }
          if (bytes[i] === q0 && this.at(bytes, i, this.quote, end)) {
            if (this.at(bytes, i + qLength, this.quote, end)) { flags |= ESCAPED; i += 2 * qLength; continue }
            break
          }
          i++
        }
        fieldEnd = i
        i += qLength
        if (i < end && !(bytes[i] === d0 && this.at(bytes, i, this.delimiter, end))) {
          this.problem = `field ${n + 1}: text after its closing quote; quote the whole field and double the quotes inside`
          return BAD_CSV
        }
      } else {
        this.starts[n] = i
        while (i < end && !(bytes[i] === d0 && (dLength === 1 || this.at(bytes, i, this.delimiter, end)))) i++
        fieldEnd = i
      }
      this.ends[n] = fieldEnd
      this.flags[n] = flags
      n++
      if (i >= end) return n
      i += dLength // past the delimiter: another field follows, perhaps an empty one
    }
  }

  /** Whether field `i` holds nothing but blanks (a quoted "" is empty too). */
  isEmpty (bytes: Uint8Array, i: number): boolean {
    for (let j = this.starts[i]; j < this.ends[i]; j++) {
      const c = bytes[j]
      if (c !== 0x20 && c !== 0x09) return false
    }
    return true
  }

  /** Whether field `i` has doubled quotes in it (so its bytes are not its text). */
  isEscaped (i: number): boolean {
    return (this.flags[i] & ESCAPED) !== 0
  }

  /** Field `i` as text: a quoted field unescaped, an unquoted one trimmed of spaces and tabs. */
  text (bytes: Uint8Array, i: number): string {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const raw = buffer.toString('utf8', this.starts[i], this.ends[i])
    if ((this.flags[i] & QUOTED) === 0) return raw.trim()
    return (this.flags[i] & ESCAPED) === 0 ? raw : raw.replace(this.unescape, this.quoteText)
  }

  private at (bytes: Uint8Array, i: number, seq: Uint8Array, end: number): boolean {
    if (i + seq.length > end) return false
    for (let j = 0; j < seq.length; j++) if (bytes[i + j] !== seq[j]) return false
    return true
  }

  private grow (): void {
    const size = this.starts.length * 2
    const starts = new Int32Array(size); starts.set(this.starts); this.starts = starts
    const ends = new Int32Array(size); ends.set(this.ends); this.ends = ends
    const flags = new Uint8Array(size); flags.set(this.flags); this.flags = flags
  }
}
