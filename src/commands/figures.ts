// The time figures every --json line with a rate carries, named for what they are (docs/cli.md, "--json output"):
// `wallSeconds` is the whole run, idle waits included (a scorer's stream timeout); `busySeconds`
// is the time spent working (a scorer: time with a batch in hand, so the gaps of a trickling input
// are not in it; see src/runtime/busy-clock.ts); the rate (`recordsPerSecond` or
// `rowsPerSecond`) is always over busySeconds.
export interface Timing {
  wallSeconds: number
  busySeconds: number
}

export function timing (wallSeconds: number, busySeconds: number): Timing {
  return { wallSeconds: round3(wallSeconds), busySeconds: round3(busySeconds) }
}

/** count / busySeconds, whole units per second (0 when nothing was busy). */
export function perSecond (count: number, busySeconds: number): number {
  return busySeconds > 0 ? Math.round(count / busySeconds) : 0
}

export function round3 (n: number): number {
  return Math.round(n * 1000) / 1000
}
