// What a CSV file's first lines say about it: its delimiter (one of , ; tab |) and whether its
// first row is a header. Both are guesses from a sample, as Python's csv.Sniffer makes them.
import { parse } from 'csv-parse/sync'
import { booleanText, isMissingText, isNumberText } from './value-text.js'

export const DELIMITERS = [',', ';', '\t', '|'] as const

/**
 * The delimiter that splits the sample's lines into the same number of fields (more than one),
 * the most fields winning; failing that, the one whose commonest field count (above one) covers
 * the most lines. "," when nothing splits the lines (a one-column file).
 * `complete` says whether the sample is the whole file (else its last line may be cut short).
 */
export function sniffDelimiter (sample: string, quote = '"', complete = false): string {
  const text = complete ? sample : sample.slice(0, Math.max(0, sample.lastIndexOf('\n')))
  let best = { delimiter: ',', consistent: false, width: 1, share: 0 }
  for (const delimiter of DELIMITERS) {
    const widths = fieldCounts(text, delimiter, quote)
    if (widths.length === 0) continue
    const counts = new Map<number, number>()
    for (const w of widths) counts.set(w, (counts.get(w) ?? 0) + 1)
    const [width, times] = [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]!
    if (width < 2) continue
    const candidate = { delimiter, consistent: counts.size === 1, width, share: times / widths.length }
    const better = candidate.consistent !== best.consistent
      ? candidate.consistent
      : candidate.consistent ? candidate.width > best.width : candidate.share > best.share
    if (best.width < 2 || better) best = candidate
  }
  return best.delimiter
}

function fieldCounts (text: string, delimiter: string, quote: string): number[] {
  try {
    const rows = parse(text, { delimiter, quote, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, bom: true }) as string[][]
    return rows.map(r => r.length)
  } catch {
    return []
  }
}

/**
 * Whether rows[0] is a header: its fields are distinct non-empty names (no number, boolean or
 * missing-value text), and either some column holds numbers below its name, or (all text) no
 * name recurs as a value of its own column.
 */
export function looksLikeHeader (rows: string[][]): boolean {
  const [first, ...rest] = rows
  if (first === undefined || first.length === 0) return false
  // An empty name is allowed (pandas writes its index column so); the others must be names.
  const names = first.map(f => f.trim()).filter(f => f !== '')
  if (names.length === 0 || new Set(names).size !== names.length) return false
  if (names.some(f => isMissingText(f) || isNumberText(f) || booleanText(f) !== undefined)) return false
  if (rest.length === 0) return true
  for (let c = 0; c < first.length; c++) {
    const present = rest.map(r => r[c]).filter((v): v is string => v !== undefined && !isMissingText(v))
    if (present.length > 0 && present.every(isNumberText)) return true
  }
  return first.every((name, c) => name.trim() === '' || !rest.some(r => r[c]?.trim() === name.trim()))
}

/** A header's column names: trimmed, an empty one named column<index> (as a headerless file's are). */
export function headerNames (row: string[]): string[] {
  return row.map((f, i) => f.trim() === '' ? `column${i}` : f.trim())
}

/** Rows that are all of `names` in some order contain a header naming them (extra columns allowed). */
export function namesEveryColumn (row: string[], names: string[]): boolean {
  const fields = new Set(headerNames(row))
  return names.every(n => fields.has(n))
}
