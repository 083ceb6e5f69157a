// Records read back from a topic written by `load` (key = label, value = 18 features as CSV), as
// the flat float32 arrays an in-memory fit takes: the benches' baseline beside the Kafka-fed path.
import { parseFeatures } from '../src/codec/susy-csv.js'
import { FEATURE_COUNT } from '../src/data/susy.js'
import type { ConsumedRecord } from '../src/record.js'

export function labelledArrays (records: readonly ConsumedRecord[]): { xs: Float32Array, ys: Float32Array, n: number } {
  const n = records.length
  const xs = new Float32Array(n * FEATURE_COUNT)
  const ys = new Float32Array(n)
  records.forEach((r, i) => {
    if (parseFeatures(r.value, xs, i * FEATURE_COUNT, FEATURE_COUNT) !== null) throw new Error(`bad row at offset ${r.offset}`)
    ys[i] = Number(r.key?.toString())
  })
  return { xs, ys, n }
}
