import { Observable, type OperatorFunction } from 'rxjs'
import type { RecordDecoder } from '../codec/record-decoder.js'
import { DECODE_REASONS, type DecodeReason } from '../codec/susy-csv.js'
import { DecodeError } from '../errors.js'
import type { ConsumedRecord } from '../record.js'
import type { DeadLetterSink } from '../sinks/dead-letter.js'
import type { DecodeStats, Example } from './decode-csv.js'

/** Settings of {@link decodeRecords}. */
export interface DecodeRecordsOptions {
  /** Where bad records go. Without one, a bad record fails the stream with a DecodeError. */
  deadLetter?: DeadLetterSink
  /** When false, a record without a label decodes with `label: null` (for scoring). */
  requireLabel?: boolean
  /**
   * Whether examples carry the decoded id (default true). False leaves `id` undefined, so a
   * spec without an id writes predictions without one (and binary ones take the fast path).
   */
  ids?: boolean
}

/** The {@link decodeRecords} operator, with the counts of what it decoded and dead-lettered. */
export type DecodeRecordsOperator = OperatorFunction<ConsumedRecord, Example> & { readonly stats: DecodeStats }

const DEFAULTS = { requireLabel: true, ids: true }
// As decodeCsv: features go into shared slabs that start small and double up to MAX_SLAB_ROWS.
const FIRST_SLAB_ROWS = 32
const MAX_SLAB_ROWS = 1024

/**
 * Decodes records with a spec's compiled decoder (compileDecoder): features into float32 rows,
 * the label (class index, or the regression target) and the id. Same contract as decodeCsv: a
 * bad record goes to the dead-letter sink with its reason and is counted in `stats`; the stream
 * goes on; the operator completes only once every dead-letter write has been accepted, and
 * fails if one of them fails.
 *
 * @example
 * const decode = decodeRecords(compileDecoder(spec), { deadLetter: new KafkaDeadLetterSink() })
 * fromPartition({ topic: spec.topics.train.name }).pipe(decode, batch(64)).subscribe(train)
 * // decode.stats -> { decoded: 9998, deadLettered: 2, byReason: { 'bad-json': 1, 'unknown-category': 1, ... } }
 */
export function decodeRecords (decoder: RecordDecoder, options: DecodeRecordsOptions = {}): DecodeRecordsOperator {
  const { deadLetter, requireLabel, ids } = { ...DEFAULTS, ...options }
  const width = decoder.width
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`decodeRecords: the decoder's width must be a positive integer, got ${width}`)
  const stats: DecodeStats = {
    decoded: 0,
    deadLettered: 0,
    byReason: Object.fromEntries(DECODE_REASONS.map(r => [r, 0])) as Record<DecodeReason, number>
  }

  const keyLabel = requireLabel && decoder.missingLabel.reason === 'missing-key'
  // One arena per operator instance, shared by its subscriptions (rows are claimed synchronously).
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
          // A missing key is the reason before anything in the value, as in decodeCsv.
          if (keyLabel && (record.key === null || record.key.length === 0)) return reject(record, 'missing-key', decoder.missingLabel.detail)
          if (row === slabRows) {
            slabRows = Math.min(MAX_SLAB_ROWS, Math.max(FIRST_SLAB_ROWS, slabRows * 2))
            slab = new Float32Array(width * slabRows)
            row = 0
          }
          const offset = row * width
          const result = decoder.decode(record, slab, offset)
          if ('reason' in result) return reject(record, result.reason, result.detail) // the row is reused
          const label = result.label
          if (label === null && requireLabel) return reject(record, decoder.missingLabel.reason, decoder.missingLabel.detail)
          const example: Example = { features: slab.subarray(offset, offset + width), label, id: ids ? result.id : undefined, record }
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
