// A quantile from a Prometheus-style cumulative histogram, estimated the way PromQL's
// histogram_quantile() does: find the bucket holding the rank, interpolate linearly inside it.

/** Cumulative counts per upper bound (le), ascending, the last one +Infinity. */
export type Buckets = Array<{ le: number, count: number }>

/** The q-quantile (0..1), or null when the histogram is empty. */
export function histogramQuantile (q: number, buckets: Buckets): number | null {
  const total = buckets.at(-1)?.count ?? 0
  if (total <= 0) return null
  const rank = q * total
  let lower = 0
  let below = 0
  for (const { le, count } of buckets) {
    if (count >= rank) {
      // Above the highest finite bound nothing is known: report that bound, as Prometheus does.
      if (!Number.isFinite(le)) return lower
      const inBucket = count - below
      return inBucket > 0 ? lower + (le - lower) * (rank - below) / inBucket : le
    }
    lower = le
    below = count
  }
  return lower
}
