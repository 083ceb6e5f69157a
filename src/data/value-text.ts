// How a cell's text reads: missing, a number, a boolean. `init` types columns with these and
// `load` reads labels with them, so the two agree on what "missing" is.

/** Texts that mean "no value" (any case): empty, NA, N/A, NaN, null, None, "?" (UCI files). */
const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?'])

/** Boolean texts (any case), as the decoder reads them: true/false, yes/no, t/f. */
const TRUE = new Set(['true', 'yes', 't'])
const FALSE = new Set(['false', 'no', 'f'])

export function isMissingText (text: string): boolean {
  return MISSING.has(text.trim().toLowerCase())
}

/** Whether the text is one finite number (JavaScript's Number grammar, no empty or blank text). */
export function isNumberText (text: string): boolean {
  const t = text.trim()
  return t !== '' && Number.isFinite(Number(t))
}

/** true or false for a boolean text, undefined for anything else. */
export function booleanText (text: string): boolean | undefined {
  const t = text.trim().toLowerCase()
  return TRUE.has(t) ? true : FALSE.has(t) ? false : undefined
}
