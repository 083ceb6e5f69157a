// What decodeCsv and decodeRecords share: records decoded one by one into float32 rows of shared
// slabs, a bad one dead-lettered with its reason (or failing the stream without a sink), counts
// per reason, and completion held back until every dead-letter write has been accepted. Each
// operator brings only how one record becomes an example.
import { Observable, type OperatorFunction } from 'rxjs'
import { DECODE_REASONS, type DecodeReason } from '../codec/susy-csv.js'
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

/** Counters of a decode operator, summed over all its subscriptions. */
export interface DecodeStats {
  decoded: number
  deadLettered: number
  byReason: Record<DecodeReason, number>
}

/** Why a record does not decode: its dead letter's reason and detail. */
export interface Rejection {
  reason: DecodeReason
  detail: string
}

/**
 * Decodes `record` into slab[offset, offset + width): its example (features a view of that row),
 * or why it is rejected (the row is then reused by the next record).
 */
export type RowDecode = (record: ConsumedRecord, slab: Float32Array, offset: number) => Example | Rejection

export type DecodeOperator = OperatorFunction<ConsumedRecord, Example> & { readonly stats: DecodeStats }

// Features are written into shared slabs, so a record costs a view, not its own ArrayBuffer
// (a separate 72-byte Float32Array lives off-heap and costs ~10x more to create). Slabs start
// small, for operators used on one small batch, and double up to MAX_SLAB_ROWS.
const FIRST_SLAB_ROWS = 32
const MAX_SLAB_ROWS = 1024

/** An operator decoding rows of `width` features with `decodeRow`; `widthName` names the width in its error. */
export function rowDecoder (widthName: string, width: number, deadLetter: DeadLetterSink | undefined, decodeRow: RowDecode): DecodeOperator {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`${widthName} must be a positive integer, got ${width}`)
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

    const reject = (record: ConsumedRecord, { reason, detail }: Rejection): void => {
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
          if (row === slabRows) {
            slabRows = Math.min(MAX_SLAB_ROWS, Math.max(FIRST_SLAB_ROWS, slabRows * 2))
            slab = new Float32Array(width * slabRows)
            row = 0
          }
          const result = decodeRow(record, slab, row * width)
          if ('reason' in result) return reject(record, result) // the row is reused
          row++
          stats.decoded++
          subscriber.next(result)
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
