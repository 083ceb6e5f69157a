// A consumed record built by hand, for operator tests that need no broker.
import type { ConsumedRecord } from '../../src/index.js'

export function record (key: string | null, value: string | null, offset = 0): ConsumedRecord {
  return {
    topic: 't',
    partition: 0,
    offset: BigInt(offset),
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    timestamp: 0n,
    headers: new Map()
  }
}
