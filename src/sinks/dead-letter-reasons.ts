// Dead letters per reason, read back from the messages a batch commits (their
// streamfit.dlq.reason header): what streamfit_dead_lettered_total counts, so that the metric
// and the dashboard name the reasons the dead letters themselves carry (arity, bad-json, ...).
import type { MessageToProduce } from '@platformatic/kafka'
import { DLQ_HEADERS } from './dead-letter.js'

const REASON = Buffer.from(DLQ_HEADERS.reason)

/** Count per reason of `messages` (a message without the header counts as "unknown"). */
export function deadLetterReasons (messages: Iterable<MessageToProduce>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const m of messages) {
    const reason = reasonOf(m.headers) ?? 'unknown'
    counts.set(reason, (counts.get(reason) ?? 0) + 1)
  }
  return counts
}

function reasonOf (headers: MessageToProduce['headers']): string | undefined {
  if (headers === undefined) return undefined
  if (headers instanceof Map) {
    for (const [name, value] of headers) {
      if (Buffer.isBuffer(name) ? name.equals(REASON) : String(name) === DLQ_HEADERS.reason) return value === undefined || value === null ? undefined : String(value)
    }
    return undefined
  }
  const value = (headers as Record<string, unknown>)[DLQ_HEADERS.reason]
  return value === undefined || value === null ? undefined : String(value)
}
