// What one broker kill did to a scorer's committed output, from the latency probe's per-record
// dump ("appendMs visibleMs" a line; visibleMs -1 when the read_committed reader never saw it).
import { readFileSync } from 'node:fs'

export interface StallFigures {
  /** Kill -> the first output made visible after the longest pause in committed output that follows the kill. */
  resumeMs: number
  /** That pause: the time between two consecutive visible outputs. */
  gapMs: number
  /** The longest pause in the 20 s before the kill, for scale (commits normally come every ~100 ms). */
  gapBeforeMs: number
  /** End-to-end latency (input append -> output visible) of the inputs appended in the minute around the kill. */
  p50: number
  p99: number
  max: number
  /** p99 of the same measure over the 20 s before the kill. */
  p99Before: number
  measured: number
  /** Inputs of that minute that were acknowledged but whose output never became visible. */
  missing: number
  /** Inputs of the whole run the probe's producer never had acknowledged. */
  unacknowledged: number
}

function pct (sorted: number[], q: number): number {
  return sorted.length === 0 ? -1 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
}

/** The longest pause between consecutive instants ending in (from, to], with its end. */
function longestGap (instants: number[], from: number, to: number): { gap: number, end: number } {
  let prev = from
  for (const t of instants) if (t <= from) prev = t
  let best = { gap: 0, end: from }
  for (const t of instants) {
    if (t <= from) continue
    if (t > to) break
    if (t - prev > best.gap) best = { gap: t - prev, end: t }
    prev = t
  }
  return best
}

export function analyseStall (dumpFile: string, killAt: number, { windowMs = 60_000, afterMs = 60_000, beforeMs = 20_000 } = {}): StallFigures {
  const rows = readFileSync(dumpFile, 'utf8').trim().split('\n').map(line => line.split(' ').map(Number) as [number, number])
  const instants = [...new Set(rows.filter(([, v]) => v > 0).map(([, v]) => v))].sort((a, b) => a - b)
  const after = longestGap(instants, killAt, killAt + afterMs)
  const before = longestGap(instants, killAt - beforeMs, killAt)
  const inWindow = rows.filter(([a]) => a > 0 && a >= killAt - windowMs / 2 && a < killAt + windowMs / 2)
  const latencies = inWindow.filter(([, v]) => v > 0).map(([a, v]) => v - a).sort((x, y) => x - y)
  const beforeLatencies = rows.filter(([a, v]) => a > 0 && v > 0 && a >= killAt - beforeMs && a < killAt).map(([a, v]) => v - a).sort((x, y) => x - y)
  return {
    resumeMs: after.end - killAt,
    gapMs: after.gap,
    gapBeforeMs: before.gap,
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
    max: latencies.length === 0 ? -1 : latencies[latencies.length - 1]!,
    p99Before: pct(beforeLatencies, 0.99),
    measured: latencies.length,
    missing: inWindow.length - latencies.length,
    unacknowledged: rows.filter(([a]) => a === 0).length
  }
}
