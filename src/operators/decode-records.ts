import type { OperatorFunction } from 'rxjs'
import type { RecordDecoder } from '../codec/record-decoder.js'
import type { ConsumedRecord } from '../record.js'
import type { DeadLetterSink } from '../sinks/dead-letter.js'
import { rowDecoder, type DecodeStats, type Example } from './decode-rows.js'

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
  const keyLabel = requireLabel && decoder.missingLabel.reason === 'missing-key'
  return rowDecoder('decodeRecords: the decoder\'s width', width, deadLetter, (record, slab, offset) => {
    // A missing key is the reason before anything in the value, as in decodeCsv.
    if (keyLabel && (record.key === null || record.key.length === 0)) return decoder.missingLabel
    const result = decoder.decode(record, slab, offset)
    if ('reason' in result) return result
    const label = result.label
    if (label === null && requireLabel) return decoder.missingLabel
    return { features: slab.subarray(offset, offset + width), label, id: ids ? result.id : undefined, record }
  })
}
