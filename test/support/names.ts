// Names of topics, groups and registry prefixes that no other run (or other engineer's run on
// the same broker) can have taken.
import { randomBytes } from 'node:crypto'

export function uniqueName (prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
}
