// One epoch of the train topology: a fresh read of the partition (or epoch 1's records replayed),
// hold-out, shuffle, decode, batch, one Adam step per batch. Split from train.ts, which composes
// the epochs.
import { filter, from, lastValueFrom, takeUntil, tap, toArray, type MonoTypeOperatorFunction, type Observable } from 'rxjs'
import type { KafkaConfig } from '../src/config.js'
import { EpochMeter, type EpochProgress } from '../src/ml/epoch-meter.js'
import type { ModelRunner } from '../src/ml/runner.js'
import { trainBatches } from '../src/ml/train-batches.js'
import { batch } from '../src/operators/batch.js'
import { toArrays, type ArrayBatch } from '../src/operators/to-arrays.js'
import type { KafkaRecord } from '../src/record.js'
import type { DeadLetterSink } from '../src/sinks/dead-letter.js'
import { fromPartition } from '../src/sources/partition.js'
import { specDecoder } from '../src/spec/decoder.js'
import type { ResolvedSpec } from '../src/spec/types.js'

/** What one epoch's pass reads from and feeds, kept across epochs. */
export interface EpochPass {
  kafka: KafkaConfig
  topic: string
  signal?: AbortSignal
  onStep?: (progress: EpochProgress, totalSteps: number) => void
  /** How the records are decoded. */
  spec: ResolvedSpec
  partition: number
  cache: boolean
  batchSize: number
  runner: ModelRunner
  /** The end offset at start: every epoch reads up to it. */
  end: bigint
  /** Epoch 1's records, replayed by later epochs with `cache`. */
  cached: KafkaRecord[]
  heldOut: (record: KafkaRecord) => boolean
  /** Filled in epoch 1 with the held-out records. */
  validationRecords: KafkaRecord[]
  shuffled: MonoTypeOperatorFunction<KafkaRecord>
  deadLetter: DeadLetterSink
  stop$: Observable<unknown>
}

/** One pass over the partition: read, hold out, shuffle, decode, batch, one Adam step per batch. */
export async function trainEpoch (p: EpochPass, epoch: number, rows: number): Promise<EpochMeter> {
  const first = epoch === 1
  const records$: Observable<KafkaRecord> = first || !p.cache
    ? fromPartition({ kafka: p.kafka, topic: p.topic, partition: p.partition, stop: p.end })
    : from(p.cached)
  const meter = new EpochMeter(epoch)
  const decode = specDecoder(p.spec, { deadLetter: first ? p.deadLetter : alreadyReported })
  await lastValueFrom(records$.pipe(
    tap(record => { if (first && p.cache) p.cached.push(record) }),
    // Held-out rows are set aside once (epoch 1) and never trained on in any epoch.
    filter(record => {
      if (!p.heldOut(record)) return true
      if (first) p.validationRecords.push(record)
      return false
    }),
    p.shuffled,
    decode,
    batch(p.batchSize),
    toArrays({ reuse: true }),
    trainBatches(p.runner),
    tap(step => {
      const progress = meter.add(step)
      p.onStep?.(progress, Math.ceil(rows / p.batchSize))
    }),
    takeUntil(p.stop$)
  ), { defaultValue: undefined })
  return meter
}

/** The held-out records as one batch of arrays (their bad records dead-lettered like the rest). */
export function decodeValidation (records: KafkaRecord[], spec: ResolvedSpec, deadLetter: DeadLetterSink): Promise<ArrayBatch | null> {
  if (records.length === 0) return Promise.resolve(null)
  return lastValueFrom(from(records).pipe(specDecoder(spec, { deadLetter }), toArray(), toArrays()))
}

/** Epochs after the first meet the same bad records again: they were dead-lettered once already. */
const alreadyReported: DeadLetterSink = { write: () => {}, counts: {}, total: 0 }
