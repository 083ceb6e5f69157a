// The online trainer's stream: each mini-batch the group's source yields, shuffled, decoded and
// learnt (scored, then fitted) by the OnlineLearner, one at a time, timed by a BusyClock.
import { concatMap, from, fromEvent, lastValueFrom, of, takeUntil, toArray } from 'rxjs'
import type { OnlineLearner } from '../src/online/learner.js'
import { shuffle } from '../src/operators/shuffle.js'
import { toArrays, type ArrayBatch } from '../src/operators/to-arrays.js'
import type { KafkaRecord } from '../src/record.js'
import { BusyClock } from '../src/runtime/busy-clock.js'
import type { DeadLetterSink } from '../src/sinks/dead-letter.js'
import { fromGroupBatches } from '../src/sources/group-batches.js'
import type { createGroupConsumer } from '../src/sources/group-consumer.js'
import { specDecoder } from '../src/spec/decoder.js'
import type { ResolvedSpec } from '../src/spec/types.js'

/** Learns every mini-batch the group's source yields until it ends or `signal` aborts; returns the seconds spent learning. */
export async function learnStream (
  p: { spec: ResolvedSpec, topic: string, groupId: string, streamTimeout: number, maxRecords: number, consumer: ReturnType<typeof createGroupConsumer>, highWaterMark: number, deadLetter: DeadLetterSink, signal: AbortSignal, seed: number },
  learner: OnlineLearner
): Promise<number> {
  const { signal } = p
  let shuffleSeed = p.seed
  const clock = new BusyClock()
  const miniBatch = (batch: readonly KafkaRecord[]): Promise<ArrayBatch> => lastValueFrom(from(batch).pipe(
    shuffle<KafkaRecord>(32, shuffleSeed++),
    specDecoder(p.spec, { deadLetter: p.deadLetter }),
    toArray(),
    toArrays()
  ), { defaultValue: EMPTY_BATCH })
  await lastValueFrom(fromGroupBatches({ topics: [p.topic], groupId: p.groupId, consumer: p.consumer, streamTimeout: p.streamTimeout, maxRecords: p.maxRecords, highWaterMark: p.highWaterMark }).pipe(
    // A stop request ends the source; concatMap still finishes the mini-batch in hand, and the
    // batches read ahead stay unacknowledged for the next run.
    takeUntil(signal.aborted ? of(true) : fromEvent(signal, 'abort')),
    concatMap(async batch => {
      if (signal.aborted) return
      clock.start()
      // Records this model already learnt (a rebalance rewinds to the committed offsets, which
      // trail the learner until its next save) are dropped before predict and fit.
      const fresh = learner.unseen(batch)
      try {
        await learner.learn(batch, fresh, await miniBatch(fresh))
      } finally {
        clock.stop()
      }
    })
  ), { defaultValue: undefined })
  return clock.ms() / 1000
}

// What a mini-batch of only bad records packs into.
const EMPTY_BATCH: ArrayBatch = { xs: new Float32Array(0), ys: new Float32Array(0), n: 0, features: 18, examples: [] }
