// GroupSession's checks of a batch before its transaction, on their own. The consumer here is
// only the membership state the session reads (generation, member, assignments); what happens
// against a broker when a check fails is tested in test/integration/eos*.test.ts.
import { EventEmitter } from 'node:events'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Consumer } from '@platformatic/kafka'
import { RebalanceError } from '../../src/errors.js'
import { GroupSession } from '../../src/kafka/group-session.js'
import type { RecordPosition } from '../../src/kafka/offsets.js'

function session (assignments = [{ topic: 'a', partitions: [0, 1] }, { topic: 'b', partitions: [0] }]): GroupSession {
  const membership = Object.assign(new EventEmitter(), { generationId: 3, memberId: 'm-1', assignments })
  return new GroupSession(membership as unknown as Consumer)
}

const at = (topic: string, partition: number, ...offsets: number[]): RecordPosition[] =>
  offsets.map(o => ({ topic, partition, offset: BigInt(o) }))

function refuses (s: GroupSession, records: RecordPosition[], reason: RegExp): void {
  try {
    s.check(records)
  } catch (error) {
    assert.instance(error, RebalanceError)
    assert.match((error as Error).message, reason)
    return
  }
  assert.unreachable(`accepted ${JSON.stringify(records, (_, v: unknown) => typeof v === 'bigint' ? Number(v) : v)}`)
}

test('accepts offsets moving forward in each partition, in runs or interleaved', () => {
  const s = session()
  s.check([...at('a', 0, 5, 6, 7), ...at('a', 1, 1, 2), ...at('b', 0, 9)])
  s.check([...at('a', 0, 5), ...at('a', 1, 1), ...at('a', 0, 6), ...at('a', 1, 3)])
})

test('refuses an offset going back within a run, across runs, or behind what committed', () => {
  refuses(session(), at('a', 0, 5, 6, 6), /a:0 went back from offset 6 to 6/)
  refuses(session(), [...at('a', 0, 5, 8), ...at('a', 1, 1), ...at('a', 0, 7)], /a:0 went back from offset 8 to 7/)
  const s = session()
  s.check(at('a', 1, 10, 11))
  s.committed(at('a', 1, 10, 11))
  refuses(s, at('a', 1, 11), /a:1 went back from offset 11 to 11/)
  s.check(at('a', 1, 12))
})

test('refuses a partition no longer assigned, and any batch after a rebalance', () => {
  refuses(session(), [...at('a', 0, 1), ...at('b', 1, 1)], /b:1 is no longer assigned/)
  const membership = Object.assign(new EventEmitter(), { generationId: 3, memberId: 'm-1', assignments: [{ topic: 'a', partitions: [0] }] })
  const s = new GroupSession(membership as unknown as Consumer)
  s.check(at('a', 0, 1))
  membership.emit('consumer:group:join')
  refuses(s, at('a', 0, 2), /the group rebalanced/)
})

test('unverified gives the first record of each partition not yet verified, in order', () => {
  const s = session()
  const records = [...at('a', 0, 5, 6), ...at('a', 1, 2), ...at('a', 0, 7), ...at('b', 0, 1, 2)]
  assert.equal(s.unverified(records).map(r => `${r.topic}:${r.partition}@${r.offset}`), ['a:0@5', 'a:1@2', 'b:0@1'])
  s.verified(records[0]!)
  assert.equal(s.unverified(records).map(r => `${r.topic}:${r.partition}@${r.offset}`), ['a:1@2', 'b:0@1'])
})

test.run()
