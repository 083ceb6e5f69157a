// The spec-driven record decoder: a dataset spec compiled once into a function from a consumed
// record to a row of float32 model inputs, its label and its id. The CSV and JSON decoders are
// separate classes (csv-decoder.ts, json-decoder.ts) so each hot loop sees one format only.
import { inputWidth, type ResolvedSpec } from '../spec/types.js'
import type { ConsumedRecord } from '../record.js'
import { CsvRecordDecoder } from './csv-decoder.js'
import { columnNames, failure, type CompileOptions, type Decoded } from './feature-encoder.js'
import { JsonRecordDecoder } from './json-decoder.js'
import type { DecodeFailure } from './susy-csv.js'

export type { CompileOptions, Decoded } from './feature-encoder.js'

/**
 * Decodes a record's value (and key) into one encoded row as a data set spec says; built once per spec
 * by {@link compileDecoder}.
 */
export interface RecordDecoder {
  /** Encoded columns per record: inputWidth(spec). */
  readonly width: number
  /** Name of each encoded column: a numeric or boolean feature's name, "name=value" per category. */
  readonly columns: string[]
  /**
   * Writes the record's features into out[offset, offset + width) and returns its label and id,
   * or why it cannot be decoded (what was written to out is then unspecified). The Decoded object
   * is the decoder's own, overwritten by the next call: copy its fields before decoding again.
   */
  decode: (record: ConsumedRecord, out: Float32Array, offset: number) => Decoded | DecodeFailure
  /** The failure for a record without a label where one is required: missing-key or missing-field. */
  readonly missingLabel: DecodeFailure
}

/**
 * Compiles a resolved spec (every vocabulary and class list known; SpecLearner resolves one)
 * into a decoder. Throws a RangeError when the spec cannot be decoded as given (a numeric
 * feature imputing the mean with no mean in options.imputeMeans, a column name not listed).
 *
 * @example
 * const decoder = compileDecoder(spec, { imputeMeans: learnt.means })
 * const row = new Float32Array(decoder.width)
 * const r = decoder.decode(record, row, 0)
 * if ('reason' in r) deadLetter.write(record, r.reason, r.detail); else use(row, r.label, r.id)
 */
export function compileDecoder (spec: ResolvedSpec, options: CompileOptions = {}): RecordDecoder {
  const impl = spec.format.type === 'csv' ? new CsvRecordDecoder(spec, spec.format, options) : new JsonRecordDecoder(spec, options)
  const from = spec.label
  return {
    width: inputWidth(spec),
    columns: columnNames(spec.features),
    decode: (record, out, offset) => impl.decode(record, out, offset),
    missingLabel: 'key' in from
      ? failure('missing-key', 'the record has no key, so no label')
      : failure('missing-field', `the label (${'column' in from ? `column ${JSON.stringify(from.column)}` : `field ${JSON.stringify(from.field)}`}) is missing`)
  }
}

/** Whether a decode result is a failure. */
export function isFailure (result: Decoded | DecodeFailure): result is DecodeFailure {
  return 'reason' in result
}
