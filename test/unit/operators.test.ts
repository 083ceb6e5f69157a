// Pure operator tests: shuffle, batch, toArrays (decodeCsv has decode-csv.test.ts).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { from, lastValueFrom, Observable, Subject, toArray } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { batch, toArrays, type ArrayBatch, shuffle, type Example } from '../../src/index.js'
import { record } from '../support/consumed-record.js'

// --- shuffle ---

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
const run = async <T>(values: T[], op: (o: Observable<T>) => Observable<T>): Promise<T[]> => lastValueFrom(from(values).pipe(op, toArray()))

test('shuffle: a permutation, reproducible from its seed, different per epoch', async () => {
  const input = range(1000)
  const a = await run(input, shuffle(64, 7))
  assert.equal([...a].sort((x, y) => x - y), input)
  assert.not.equal(a, input)
  assert.equal(await run(input, shuffle(64, 7)), a, 'same seed, same order')
  assert.not.equal(await run(input, shuffle(64, 8)), a, 'other seed, other order')
  const op = shuffle<number>(64, 7)
  const epoch1 = await run(input, op)
  const epoch2 = await run(input, op)
  assert.equal(epoch1, a)
  assert.not.equal(epoch2, epoch1, 'reshuffled each iteration')
  const fixed = shuffle<number>(64, 7, { reshuffleEachIteration: false })
  assert.equal(await run(input, fixed), await run(input, fixed))
  assert.equal(await run(input, shuffle(1, 3)), input, 'buffer of 1 keeps the order')
  assert.equal(await run([1, 2, 3].slice(0, 0), shuffle(8)), [])
})

test('shuffle: window-bounded like tf.data (input i is output at position >= i - bufferSize + 1)', async () => {
  const n = 5000
  for (const size of [2, 10, 64]) {
    const out = await run(range(n), shuffle(size, 1))
    let tightest = Infinity
    out.forEach((value, position) => {
      if (position < value - size + 1) assert.unreachable(`size ${size}: ${value} at ${position}`)
      tightest = Math.min(tightest, position - (value - size + 1))
    })
    assert.is(tightest, 0, 'the bound is reached, so it is the real bound')
  }
})

test('shuffle: uniform choice from the buffer (first output spread over the first bufferSize inputs)', async () => {
  const counts = new Array(8).fill(0)
  for (let seed = 0; seed < 4000; seed++) counts[(await run(range(20), shuffle(8, seed)))[0]]++
  for (const c of counts) assert.ok(c > 400 && c < 600, `counts ${counts}`)
})

test('shuffle: emits as input arrives once the buffer is full (streaming, not collect-all)', () => {
  const subject = new Subject<number>()
  const seen: number[] = []
  subject.pipe(shuffle(3, 1)).subscribe(v => seen.push(v))
  for (let i = 0; i < 3; i++) subject.next(i)
  assert.is(seen.length, 0)
  subject.next(3)
  assert.is(seen.length, 1)
  subject.complete()
  assert.equal([...seen].sort(), [0, 1, 2, 3])
})

// --- batch ---

test('batch: by count with the remainder flushed at completion, never empty', async () => {
  assert.equal(await lastValueFrom(from(range(10)).pipe(batch(4), toArray())), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
  assert.equal(await lastValueFrom(from(range(8)).pipe(batch(4), toArray())), [[0, 1, 2, 3], [4, 5, 6, 7]])
  assert.equal(await lastValueFrom(from([]).pipe(batch(4), toArray())), [])
})

test('batch: by time, maxWaitMs counted from the first element of a partial batch', () => {
  const scheduler = new TestScheduler((actual, expected) => assert.equal(actual, expected))
  scheduler.run(({ cold, expectObservable }) => {
    // a, b arrive; 10 ms after a the partial batch goes out. c..f then fill a batch by count.
    const source = cold('a 4ms b 10ms c d e f 30ms g |')
    expectObservable(source.pipe(batch(4, { maxWaitMs: 10, scheduler }))).toBe(
      '10ms x 8ms y 31ms (z|)', { x: ['a', 'b'], y: ['c', 'd', 'e', 'f'], z: ['g'] })
  })
})

test('batch: by time with real timers on a slow stream', async () => {
  const subject = new Subject<number>()
  const batches: number[][] = []
  subject.pipe(batch(100, { maxWaitMs: 30 })).subscribe(b => batches.push(b))
  subject.next(1); subject.next(2)
  await new Promise(resolve => setTimeout(resolve, 60))
  assert.equal(batches, [[1, 2]])
  subject.next(3)
  subject.complete()
  assert.equal(batches, [[1, 2], [3]])
})

// --- toArrays ---

function example (row: number, label: 0 | 1 | null, width = 18): Example {
  return { features: Float32Array.from({ length: width }, (_, j) => row * 100 + j), label, record: record('1', '') }
}

test('toArrays: rows packed in order, labels in ys (NaN for none), fresh arrays by default', async () => {
  const batches = [[example(0, 1), example(1, 0), example(2, null)], [example(3, 1)]]
  const out = await lastValueFrom(from(batches).pipe(toArrays(), toArray()))
  assert.is(out[0].n, 3)
  assert.is(out[0].features, 18)
  assert.is(out[0].xs.length, 54)
  assert.equal(Array.from(out[0].xs.subarray(18, 21)), [100, 101, 102])
  assert.is(out[0].xs[2 * 18 + 17], 217)
  assert.equal(Array.from(out[0].ys.subarray(0, 2)), [1, 0])
  assert.ok(Number.isNaN(out[0].ys[2]))
  assert.is(out[0].examples, batches[0])
  assert.is(out[1].n, 1)
  assert.equal(Array.from(out[1].xs.subarray(0, 2)), [300, 301])
  assert.is.not(out[0].xs.buffer, out[1].xs.buffer)
  assert.is(out[0].xs[0], 0, 'an earlier batch is untouched by later ones')
})

test('toArrays: reuse rotates a pool of buffers, grows them, and replaces transferred ones', () => {
  const subject = new Subject<Example[]>()
  const seen: Array<{ batch: ArrayBatch; first: number }> = []
  subject.pipe(toArrays({ reuse: true })).subscribe(b => seen.push({ batch: b, first: b.xs[0] }))
  for (let i = 0; i < 4; i++) subject.next([example(10 * i, 1), example(10 * i + 1, 0)])
  assert.equal(seen.map(s => s.first), [0, 1000, 2000, 3000], 'right values at emission')
  assert.is(seen[0].batch.xs.buffer, seen[2].batch.xs.buffer, 'slot reused two batches later')
  assert.is.not(seen[0].batch.xs.buffer, seen[1].batch.xs.buffer)
  assert.is(seen[0].batch.xs[0], 2000, 'documented: overwritten by the batch two later')
  subject.next([example(50, 1)]) // smaller batch: a view of the pooled buffer
  assert.is(seen[4].batch.n, 1)
  assert.is(seen[4].batch.xs.length, 18)
  assert.is(seen[4].batch.xs.buffer, seen[0].batch.xs.buffer)
  structuredClone(seen[4].batch.xs.buffer, { transfer: [seen[4].batch.xs.buffer as ArrayBuffer] }) // detach, as postMessage does
  subject.next([example(60, 1)])
  subject.next([example(70, 1), example(71, 0), example(72, 1)]) // same slot as the detached one, and larger
  assert.is(seen[6].batch.xs[36], 7200)
  assert.is(seen[6].batch.xs.length, 54)
})

test('toArrays: examples of different widths in one batch fail the stream', async () => {
  try {
    await lastValueFrom(from([[example(0, 1), example(1, 1, 17)]]).pipe(toArrays()))
    assert.unreachable('should fail')
  } catch (err) {
    assert.match((err as Error).message, /17 features/)
  }
})

test.run()
