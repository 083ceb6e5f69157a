// Exactly-once online learning under hard kills, against the real broker and Redis: the trainer
// is SIGKILLed between the Redis save and the Kafka commit (STREAMFIT_FAULT), after a fit that no
// version holds yet, and at random moments; restarted each time. Then the versions' lineage is
// checked against an independent read of the topic: the ranges each version learnt tile the
// partition exactly (no row trained twice, none skipped) and each version's row count matches.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, toArray } from 'rxjs'
import { loadConfig } from '../../src/config.js'
import { endOffsets } from '../../src/kafka/admin.js'
import { DLQ_HEADERS } from '../../src/sinks/dead-letter.js'
import { fromPartition } from '../../src/sources/partition.js'
import { committedOffsets, groupVersions, lineageChain, recordOffsets, runOnlineCli, spawnOnline, startOnlineFixture, stopFixtures, waitForLine } from '../support/online.js'

const config = loadConfig()
const ROWS = 2400
// Undecodable rows: never trained, dead-lettered (at least once: a kill can repeat a write).
const BAD = [5, 700, 1900]
// Small mini-batches and frequent saves: many versions, many places for a kill to land.
const COMMON = ['--max-records', '128', '--save-every', '2', '--stream-timeout', '4000']

test.after(stopFixtures)

test('kills between save and commit, after a fit, and at random moments: every row trained exactly once', async () => {
  const f = await startOnlineFixture(config, 'online-resume', ROWS, { bad: BAD })

  // 1. Killed right after the second save, before its Kafka commit: Kafka lags the registry.
  const crashed = await runOnlineCli(f, COMMON, { STREAMFIT_FAULT: 'after-save-before-commit@2' })
  assert.is(crashed.signal, 'SIGKILL', crashed.stderr)
  let chain = await lineageChain(f)
  assert.is(chain.length, 2)
  const committedAfterCrash = (await committedOffsets(f))[0]
  assert.is(committedAfterCrash, BigInt(chain[0].online.positions[0]), 'Kafka holds the first save\'s offsets only')
  assert.ok(committedAfterCrash < BigInt(chain[1].online.positions[0]))

  // 2. Killed after fitting a mini-batch that no version holds: that work is lost, not counted.
  const lost = await runOnlineCli(f, COMMON, { STREAMFIT_FAULT: 'after-fit-before-save@3' })
  assert.is(lost.signal, 'SIGKILL', lost.stderr)
  // The run resumed from the registry (the second version), whatever Kafka said.
  chain = await lineageChain(f)
  assert.is(chain[2]?.online.parent, chain[1].ref)
  assert.is(chain[2].online.ranges[0].from, chain[1].online.positions[0])

  // 3. Killed at random moments while training.
  const delays = Array.from({ length: 3 }, () => Math.round(Math.random() * 2500))
  for (const delay of delays) {
    const child = spawnOnline(f, COMMON)
    await waitForLine(child, /"msg":"model on the/)
    await new Promise(resolve => setTimeout(resolve, delay))
    child.kill('SIGKILL')
    const result = await child.result
    assert.ok(result.signal === 'SIGKILL' || result.code === 0, `killed after ${delay} ms: ${result.stderr}`)
  }

  // 4. A last run learns whatever is left and ends on the stream timeout.
  const last = await runOnlineCli(f, [...COMMON, '--json'])
  assert.is(last.code, 0, last.stderr)

  // The judge: an independent read of the partition against the ranges of the version chain.
  chain = await lineageChain(f)
  const offsets = await recordOffsets(config.kafka, f.topic)
  const [end] = await endOffsets(config.kafka, f.topic)
  assert.is(offsets.length, ROWS)
  let position = 0n
  let rows = 0
  let deadLettered = 0
  for (const link of chain) {
    for (const range of link.online.ranges) {
      deadLettered += range.deadLettered
      assert.is(range.partition, 0)
      assert.is(BigInt(range.from), position, `${link.ref} starts where ${link.online.parent ?? 'the partition'} ended (kill delays ${delays.join(', ')} ms)`)
      const inRange = offsets.filter(o => o >= BigInt(range.from) && o < BigInt(range.to)).length
      assert.is(range.rows + range.deadLettered, inRange, `${link.ref}: rows it learnt = records in ${range.from}..${range.to}`)
      rows += range.rows
      position = BigInt(range.to)
    }
    assert.is(link.rows, rows, `${link.ref}: rows seen by the version = sum over its lineage`)
    assert.equal(link.online.positions, [position.toString()])
  }
  assert.is(position, end, 'the chain covers the partition to its end')
  assert.is(rows, ROWS - BAD.length, 'every good row trained exactly once')
  assert.is(deadLettered, BAD.length)
  const dead = await lastValueFrom(fromPartition({ topic: f.dlq, kafka: config.kafka }).pipe(toArray()))
  assert.equal([...new Set(dead.map(r => r.headers.get(DLQ_HEADERS.offset)?.toString()))].sort(), BAD.map(String).sort(), 'the bad rows are in the DLQ')
  // No fork: every version this group saved is on the chain.
  assert.equal(await groupVersions(f), chain.map(l => l.ref))
  // Kafka's offsets caught up with the registry at the last save.
  assert.equal(await committedOffsets(f), [end])
})

test.run()
