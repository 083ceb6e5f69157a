// JSON values: parsing a record's value into an object once, and reading a field by its dotted
// path ("payer.address.country", "items.0.price") with the path split when the spec is compiled,
// not per record.

/** Reads one field of a parsed object; undefined when the path leads nowhere. */
export type PathReader = (object: Record<string, unknown>) => unknown

/**
 * A reader for `path`. Each dot steps into an object (or array, by index). A key that itself has
 * dots in it is found too, when the stepped path finds nothing: {"a.b": 1} answers "a.b".
 */
export function compilePath (path: string): PathReader {
  const steps = path.split('.')
  if (steps.length === 1) return object => object[path]
  if (steps.length === 2) {
    const [a, b] = steps
    return object => {
      const inner = object[a]
      const value = isContainer(inner) ? inner[b] : undefined
      return value === undefined ? object[path] : value
    }
  }
  return object => {
    let value: unknown = object
    for (const step of steps) {
      if (!isContainer(value)) return object[path]
      value = value[step]
    }
    return value === undefined ? object[path] : value
  }
}

function isContainer (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** The parsed object, or why the text is not one (a one-line reason). */
export function parseObject (text: string): Record<string, unknown> | string {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return `the value is not JSON (${(error as Error).message})`
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return `the value is JSON ${parsed === null ? 'null' : Array.isArray(parsed) ? 'array' : typeof parsed}, not an object`
  }
  return parsed as Record<string, unknown>
}

// Integers past 2^53 lose digits in JSON.parse (Node 20 has no access to a number's source text).
const LONG_INTEGER = /([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g

/**
 * The value at `path` with long integer literals read as their digits: for an id such as
 * 12345678901234567890, which JSON.parse turns into 12345678901234567000. Slow; only called
 * when a parsed id is an integer beyond 2^53. Text inside a string that looks like such a
 * member (":1234…,") is rewritten too; that breaks the text's JSON at worst, and then the
 * caller keeps JSON.parse's number.
 */
export function exactDigits (text: string, read: PathReader): string | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(text.replace(LONG_INTEGER, '$1"$2"'))
  } catch {
    return null
  }
  const value = isContainer(parsed) ? read(parsed) : undefined
  return typeof value === 'string' && /^-?\d+$/.test(value) ? value : null
}
