import type { OperatorFunction } from 'rxjs'
import { BAD_LABEL, describeBadLabel, parseFeatures, parseLabel } from '../codec/susy-csv.js'
import type { ConsumedRecord } from '../record.js'
import type { DeadLetterSink } from '../sinks/dead-letter.js'
import { rowDecoder, type DecodeStats, type Example } from './decode-rows.js'

export type { DecodeStats, Example } from './decode-rows.js'

/** Settings of {@link decodeCsv}. */
export interface DecodeCsvOptions {
  /** Where bad records go. Without one, a bad record fails the stream with a DecodeError. */
  deadLetter?: DeadLetterSink
  /** Number of comma-separated features in a value. */
  features?: number
  /** When false, a record without a key decodes with `label: null` (for scoring). */
  requireLabel?: boolean
}

/** The {@link decodeCsv} operator, with the counts of what it decoded and dead-lettered. */
export type DecodeCsvOperator = OperatorFunction<ConsumedRecord, Example> & { readonly stats: DecodeStats }

const DEFAULTS = { features: 18, requireLabel: true }

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
  return rowDecoder('decodeCsv: features', width, deadLetter, (record, slab, offset) => {
    const label = parseLabel(record.key)
    if (label === BAD_LABEL) return { reason: 'bad-label', detail: describeBadLabel(record.key!) }
    if (label === null && requireLabel) return { reason: 'missing-key', detail: 'the record has no key, so no label' }
    const failure = parseFeatures(record.value, slab, offset, width)
    if (failure !== null) return failure
    return { features: slab.subarray(offset, offset + width), label, record }
  })
}
