// Model references as users type them: "susy@latest", "susy@3", or just "susy" (= latest).
import { UsageError } from '../errors.js'

export interface ModelRef {
  name: string
  /** A version number, or 'latest'. */
  version: number | 'latest'
}

export const DEFAULT_MODEL_NAME = 'susy'

export function parseModelRef (text: string): ModelRef {
  const match = /^([A-Za-z0-9_.-]+)(?:@(latest|[1-9][0-9]*))?$/.exec(text.trim())
  if (!match) throw new UsageError(`bad model reference "${text}": expected NAME, NAME@latest or NAME@N (e.g. susy@3)`)
  const [, name, version = 'latest'] = match
  return { name, version: version === 'latest' ? 'latest' : Number(version) }
}

export function formatModelRef (name: string, version: number): string {
  return `${name}@${version}`
}
