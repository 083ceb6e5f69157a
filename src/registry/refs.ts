// Model references as users type them: "susy@latest", "susy@3", or just "susy" (= latest).
import { UsageError } from '../errors.js'

/** A model reference, `NAME`, `NAME@latest` or `NAME@N`, parsed. */
export interface ModelRef {
  name: string
  /** A version number, or 'latest'. */
  version: number | 'latest'
}

/** The model name when none is given: SUSY's. */
export const DEFAULT_MODEL_NAME = 'susy'

/** Parses `NAME`, `NAME@latest` or `NAME@N`; throws a UsageError otherwise. */
export function parseModelRef (text: string): ModelRef {
  const match = /^([A-Za-z0-9_.-]+)(?:@(latest|[1-9][0-9]*))?$/.exec(text.trim())
  if (!match) throw new UsageError(`bad model reference "${text}": expected NAME, NAME@latest or NAME@N (e.g. susy@3)`)
  const [, name, version = 'latest'] = match
  return { name, version: version === 'latest' ? 'latest' : Number(version) }
}

/** `name@version`, the form every command prints and accepts. */
export function formatModelRef (name: string, version: number): string {
  return `${name}@${version}`
}
