// Test-only failure injection for the exactly-once tests: STREAMFIT_FAIL=after-send@N[xK][,...]
// makes the transactional sink throw after it has sent a batch's output, at its Nth (to
// N+K-1th) transaction attempt. The transaction is then aborted with records already in the log,
// which is how a downstream reader meets aborted transactions of one producer back to back.
import { InjectedFailure } from '../errors.js'

export type FailurePoint = 'after-send'

const POINTS: readonly FailurePoint[] = ['after-send']

function parseFailures (text: string | undefined): { point: FailurePoint, attempts: Set<number> } | null {
  if (text === undefined || text === '') return null
  const [point, list = ''] = text.split('@')
  const attempts = new Set<number>()
  for (const item of list.split(',')) {
    const m = /^(\d+)(?:x(\d+))?$/.exec(item)
    if (m === null || Number(m[1]) < 1) throw new Error(`STREAMFIT_FAIL="${text}": expected ${POINTS.join(', ')}@N[xK][,N[xK]...]`)
    for (let i = 0; i < Number(m[2] ?? '1'); i++) attempts.add(Number(m[1]) + i)
  }
  if (!POINTS.includes(point as FailurePoint)) throw new Error(`STREAMFIT_FAIL="${text}": unknown point ${point}, expected one of ${POINTS.join(', ')}`)
  return { point: point as FailurePoint, attempts }
}

/** Returns a function to call at each failure point; it throws at the configured attempts. */
export function failureInjector (env: NodeJS.ProcessEnv = process.env): (point: FailurePoint) => void {
  const failures = parseFailures(env.STREAMFIT_FAIL)
  if (failures === null) return () => {}
  let reached = 0
  return point => {
    if (point !== failures.point) return
    reached++
    if (failures.attempts.has(reached)) throw new InjectedFailure(`STREAMFIT_FAIL=${env.STREAMFIT_FAIL}: failing attempt ${reached} ${point}`)
  }
}

/**
 * STREAMFIT_STALL=after-send@N:MS makes the sink wait MS ms after sending its Nth transaction's
 * output, with the transaction open: a stall longer than the transaction timeout, after which the
 * broker aborts the transaction and bumps the producer's epoch.
 */
export function stallInjector (env: NodeJS.ProcessEnv = process.env): (point: FailurePoint) => Promise<void> {
  const text = env.STREAMFIT_STALL
  if (text === undefined || text === '') return async () => {}
  const m = /^([a-z-]+)@(\d+):(\d+)$/.exec(text)
  if (m === null || !POINTS.includes(m[1] as FailurePoint)) throw new Error(`STREAMFIT_STALL="${text}": expected ${POINTS.join(', ')}@N:MS`)
  const [point, at, ms] = [m[1] as FailurePoint, Number(m[2]), Number(m[3])]
  let reached = 0
  return async p => {
    if (p !== point || ++reached !== at) return
    process.stderr.write(`streamfit: STREAMFIT_STALL=${text}: stalling ${ms} ms\n`)
    await new Promise(resolve => setTimeout(resolve, ms))
  }
}
