import { Observable, type OperatorFunction } from 'rxjs'
import { BAD_LABEL, DECODE_REASONS, describeBadLabel, parseFeatures, parseLabel, type DecodeReason } from '../codec/susy-csv.js'
import { DecodeError } from '../errors.js'
import type { ConsumedRecord } from '../record.js'
import type { DeadLetterSink } from '../sinks/dead-letter.js'

/** One decoded record: its features, its label, perhaps its id, and the record itself. */
export interface Example {
  /**
   * The record's features as float32: a view into a slab shared with up to 1023 other examples,
   * never overwritten. Keeping one example keeps its slab (at most 72 KiB for SUSY) alive: copy
   * it (`features.slice()`) to keep a few examples for long.
   */
  features: Float32Array
  /**
   * decodeCsv: 0 or 1, from the key. decodeRecords: the class index (binary 0 or 1) or the
   * regression target. Null only when `requireLabel: false` and the record has no label.
   */
  label: number | null
  /** decodeRecords with a spec id: the record's id (null when it has none). decodeCsv sets none. */
  id?: string | null
  record: ConsumedRecord
}

/** Settings of {@link decodeCsv}. */
export interface DecodeCsvOptions {
  /** Where bad records go. Without one, a bad record fails the stream with a DecodeError. */
  deadLetter?: DeadLetterSink
  /** Number of comma-separated features in a value. */
  features?: number
  /** When false, a record without a key decodes with `label: null` (for scoring). */
  requireLabel?: boolean
}

/** Counters of a decodeCsv operator, summed over all its subscriptions. */
export interface DecodeStats {
  decoded: number
  deadLettered: number
  byReason: Record<DecodeReason, number>
}

/** The {@link decodeCsv} operator, with the counts of what it decoded and dead-lettered. */
export type DecodeCsvOperator = OperatorFunction<ConsumedRecord, Example> & { readonly stats: DecodeStats }

const DEFAULTS = { features: 18, requireLabel: true }
// Features are written into shared slabs, so a record costs a view, not its own ArrayBuffer
// (a separate 72-byte Float32Array lives off-heap and costs ~10x more to create). Slabs start
// small, for operators used on one small batch, and double up to MAX_SLAB_ROWS.
const FIRST_SLAB_ROWS = 32
const MAX_SLAB_ROWS = 1024

/**
 * Decodes SUSY records: the value's CSV numbers become float32 features, the key the label.
 * A bad record goes to the dead-letter sink with its reason and is counted in `stats`; the
 * stream goes on. The operator completes only once every dead-letter write has been accepted,
 * and fails if one of them fails.
 *
 * @example
 * const decode = decodeCsv({ deadLetter: new KafkaDeadLetterSink() })
 * fromPartition({ topic: 'susy-train' }).pipe(decode, batch(64)).subscribe(train)
 * // decode.stats -> { decoded: 59998, deadLettered: 2, byReason: { arity: 1, 'not-a-number': 1, ... } }
 */
export function decodeCsv (options: DecodeCsvOptions = {}): DecodeCsvOperator {
  const { deadLetter, features: width, requireLabel } = { ...DEFAULTS, ...options }
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`decodeCsv: features must be a positive integer, got ${width}`)
  const stats: DecodeStats = {
    decoded: 0,
    deadLettered: 0,
    byReason: Object.fromEntries(DECODE_REASONS.map(r => [r, 0])) as Record<DecodeReason, number>
  }

  // One arena per operator instance, shared by its subscriptions: rows are claimed synchronously,
  // so interleaved subscriptions never share a row, and an epoch does not cost a new slab.
  let slab = new Float32Array(0)
  let slabRows = 0
  let row = 0

  const operator = (source: Observable<ConsumedRecord>): Observable<Example> => new Observable<Example>(subscriber => {
    let pendingWrites = 0
    let sourceDone = false

    const reject = (record: ConsumedRecord, reason: DecodeReason, detail: string): void => {
      stats.byReason[reason]++
      stats.deadLettered++
      if (deadLetter === undefined) {
        subscriber.error(new DecodeError(reason, detail, record))
        return
      }
      const written = deadLetter.write(record, reason, detail)
      if (written === undefined) return
      pendingWrites++
      written.then(() => {
        pendingWrites--
        if (sourceDone && pendingWrites === 0) subscriber.complete()
      }, (err: unknown) => subscriber.error(err))
    }

    const subscription = source.subscribe({
      next (record) {
        try {
          const label = parseLabel(record.key)
          if (label === BAD_LABEL) return reject(record, 'bad-label', describeBadLabel(record.key!))
          if (label === null && requireLabel) return reject(record, 'missing-key', 'the record has no key, so no label')
          if (row === slabRows) {
            slabRows = Math.min(MAX_SLAB_ROWS, Math.max(FIRST_SLAB_ROWS, slabRows * 2))
            slab = new Float32Array(width * slabRows)
            row = 0
          }
          const offset = row * width
          const failure = parseFeatures(record.value, slab, offset, width)
          if (failure !== null) return reject(record, failure.reason, failure.detail) // the row is reused
          const example: Example = { features: slab.subarray(offset, offset + width), label, record }
          row++
          stats.decoded++
          subscriber.next(example)
        } catch (err) {
          subscriber.error(err) // a failing dead-letter sink; never swallowed
        }
      },
      error: err => subscriber.error(err),
      complete () {
        sourceDone = true
        if (pendingWrites === 0) subscriber.complete()
      }
    })
    return () => subscription.unsubscribe()
  })
  return Object.assign(operator, { stats })
}
