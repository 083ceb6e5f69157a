// transactionalSink's gathering on its own: which batches share a write, and when a write starts.
// The writer here records calls instead of talking to Kafka; what a write does against a broker
// (one transaction, exactly once) is tested in test/integration/score.test.ts and eos*.test.ts.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, Subject, toArray } from 'rxjs'
import { transactionalSink, type SinkOptions } from '../../src/sinks/transactional-sink.js'
import { committedBatches, type BatchWriter, type CommittedBatch, type SinkBatch } from '../../src/sinks/sink-batch.js'
import { record } from '../support/consumed-record.js'

/** Writes take `writeMs`; each write's batch sizes are recorded, and `failOn` makes that write throw. */
class RecordingWriter implements BatchWriter {
  readonly guarantee = 'exactly-once'
  transactions = 0
  aborted = 0
  writes: number[][] = []
  constructor (private readonly writeMs: number, private readonly failOn = -1) {}
  async start (): Promise<void> {}
  async close (): Promise<void> {}
  openSession (): ReturnType<BatchWriter['openSession']> {
    return {
      write: async <B extends SinkBatch>(batches: readonly B[]): Promise<Array<CommittedBatch<B>>> => {
        const n = this.writes.push(batches.map(b => b.records.length)) - 1
        await delay(this.writeMs)
        if (n === this.failOn) {
          this.aborted++
          throw new Error('write failed')
        }
        this.transactions++
        return committedBatches(batches, this.writeMs / 1000)
      },
      onRevoked: () => () => {},
      dispose: () => {}
    }
  }
}

let offset = 0
function batchOf (size: number): SinkBatch {
  const records = Array.from({ length: size }, () => record('1', 'x', offset++))
  return { records, messages: [] }
}

async function run (writer: RecordingWriter, options: SinkOptions, feed: (input: Subject<SinkBatch>) => Promise<void>): Promise<Array<CommittedBatch<SinkBatch>>> {
  const input = new Subject<SinkBatch>()
  const out = lastValueFrom(input.pipe(transactionalSink(writer, options), toArray()))
  await feed(input)
  return await out
}

const delay = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

test('full batches within a commit interval share one write; every batch is emitted once, in order', async () => {
  const writer = new RecordingWriter(5)
  const sent: SinkBatch[] = []
  const committed = await run(writer, { commitIntervalMs: 60, fullBatch: 10 }, async input => {
    for (let i = 0; i < 6; i++) {
      const b = batchOf(10)
      sent.push(b)
      input.next(b)
      await delay(5)
    }
    await delay(150)
    input.complete()
  })
  assert.equal(writer.writes, [[10, 10, 10, 10, 10, 10]])
  assert.equal(committed.map(c => c.batch), sent)
  assert.ok(committed.every(c => c.together === 6))
})

test('a partial batch (the input slowed down) is written at once with whatever is queued', async () => {
  const writer = new RecordingWriter(5)
  const started = performance.now()
  let writtenAfter = 0
  await run(writer, { commitIntervalMs: 10_000, fullBatch: 10 }, async input => {
    input.next(batchOf(10))
    input.next(batchOf(3))
    await delay(30)
    writtenAfter = writer.writes.length > 0 ? performance.now() - started : Infinity
    input.complete()
  })
  assert.equal(writer.writes, [[10, 3]])
  assert.ok(writtenAfter < 1000, 'did not wait for the commit interval')
})

test('commit interval 0: one write per batch, in order', async () => {
  const writer = new RecordingWriter(2)
  await run(writer, { commitIntervalMs: 0, fullBatch: 10 }, async input => {
    for (let i = 0; i < 4; i++) input.next(batchOf(10))
    input.complete()
  })
  assert.equal(writer.writes, [[10], [10], [10], [10]])
})

test('a write never holds more than maxRecords (but always at least one batch)', async () => {
  const writer = new RecordingWriter(2)
  await run(writer, { commitIntervalMs: 10_000, fullBatch: 10, maxRecords: 25 }, async input => {
    for (let i = 0; i < 7; i++) input.next(batchOf(10))
    await delay(50)
    input.next(batchOf(40))
    input.complete()
  })
  assert.ok(writer.writes.every(w => w.length === 1 || w.reduce((a, b) => a + b, 0) <= 25), JSON.stringify(writer.writes))
  assert.is(writer.writes.flat().length, 8)
  assert.ok(writer.writes.some(w => w.length === 2), 'batches were gathered up to the cap')
})

test('the input ending writes what is queued without waiting for the interval', async () => {
  const writer = new RecordingWriter(2)
  const started = performance.now()
  await run(writer, { commitIntervalMs: 10_000, fullBatch: 10 }, async input => {
    input.next(batchOf(10))
    input.next(batchOf(10))
    input.complete()
  })
  assert.equal(writer.writes, [[10, 10]])
  assert.ok(performance.now() - started < 1000)
})

test('a failed write errors downstream after it; batches queued behind it are dropped, not written', async () => {
  const writer = new RecordingWriter(20, 0)
  const emitted: number[] = []
  const input = new Subject<SinkBatch>()
  const done = new Promise<unknown>(resolve => {
    input.pipe(transactionalSink(writer, { commitIntervalMs: 0, fullBatch: 10 })).subscribe({
      next: c => emitted.push(c.records),
      error: resolve,
      complete: () => resolve(null)
    })
  })
  input.next(batchOf(10))
  input.next(batchOf(10))
  input.next(batchOf(10))
  const error = await done
  assert.instance(error, Error)
  assert.is((error as Error).message, 'write failed')
  assert.equal(emitted, [])
  assert.equal(writer.writes, [[10]], 'nothing written after the failure')
})

test.run()
