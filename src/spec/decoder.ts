// The decode operator a spec calls for. SUSY's layout (numbers in column order, a 0/1 label as
// the key, no id, nothing imputed) keeps the byte-level decoder of the scoring hot path; any other
// layout goes through the generic CSV or JSON record decoder.
import type { OperatorFunction } from 'rxjs'
import { compileDecoder } from '../codec/record-decoder.js'
import { decodeCsv, type DecodeStats, type Example } from '../operators/decode-csv.js'
import { decodeRecords } from '../operators/decode-records.js'
import type { ConsumedRecord } from '../record.js'
import type { DeadLetterSink } from '../sinks/dead-letter.js'
import { UsageError } from '../errors.js'
import { imputesMean, type ResolvedSpec } from './types.js'

/** The {@link specDecoder} operator, with the counts of what it decoded and dead-lettered. */
export type SpecDecodeOperator = OperatorFunction<ConsumedRecord, Example> & { readonly stats: DecodeStats }

/** Settings of {@link specDecoder}. */
export interface SpecDecodeOptions {
  /** Where bad records go; without one, a bad record fails the stream. */
  deadLetter?: DeadLetterSink
  /** When false, a record without a label decodes with `label: null` (for scoring). Default true. */
  requireLabel?: boolean
}

/**
 * Decodes records laid out as `spec` says into examples (features, label, id). Throws a
 * UsageError at once when the spec cannot decode yet (a mean to impute not learnt).
 */
export function specDecoder (spec: ResolvedSpec, options: SpecDecodeOptions = {}): SpecDecodeOperator {
  const unlearnt = spec.features.find(imputesMean)
  if (unlearnt !== undefined) throw new UsageError(`feature ${unlearnt.name} of spec ${spec.name} imputes the train mean, which only a trained model knows: score or learn with a model trained on the spec (streamfit train --spec), or give impute a number`)
  if (isSusyLayout(spec)) return decodeCsv({ ...options, features: spec.features.length })
  return decodeRecords(compileDecoder(spec), { ...options, ids: spec.id !== undefined })
}

/** Whether the byte-level SUSY decoder reads `spec`'s records exactly as the generic one would. */
export function isSusyLayout (spec: ResolvedSpec): boolean {
  const { format, features, task, label } = spec
  return format.type === 'csv' && format.delimiter === ',' && (format.columns === undefined || format.columns.length === features.length) &&
    'key' in label && spec.id === undefined &&
    task.type === 'binary' && task.classes[0] === '0' && task.classes[1] === '1' &&
    features.every((f, i) => f.type === 'numeric' && f.onMissing === 'dead-letter' && 'column' in f.from &&
      (f.from.column === i || (format.columns !== undefined && f.from.column === format.columns[i])))
}
