// Test-only fault injection for the crash tests: STREAMFIT_FAULT=<point> makes the online trainer
// kill itself with SIGKILL when it reaches that point, as a power cut or OOM kill would.
// Points: `after-save-before-commit` (the version is in Redis, Kafka's offsets are not committed),
// `after-fit-before-save` (the weights have learnt from a mini-batch that no version holds yet).
// An optional `@N` (e.g. `after-save-before-commit@3`) fires at the Nth time the point is reached.
export type FaultPoint = 'after-save-before-commit' | 'after-fit-before-save'

const FAULT_POINTS: readonly FaultPoint[] = ['after-save-before-commit', 'after-fit-before-save']

function parseFault (text: string | undefined): { point: FaultPoint, at: number } | null {
  if (text === undefined || text === '') return null
  const [point, at = '1'] = text.split('@')
  if (!FAULT_POINTS.includes(point as FaultPoint) || !/^\d+$/.test(at) || Number(at) < 1) {
    throw new Error(`STREAMFIT_FAULT="${text}": expected one of ${FAULT_POINTS.join(', ')}, optionally followed by @N`)
  }
  return { point: point as FaultPoint, at: Number(at) }
}

/** Returns a function to call at each fault point; it SIGKILLs the process at the configured one. */
export function faultInjector (env: NodeJS.ProcessEnv = process.env): (point: FaultPoint) => void {
  const fault = parseFault(env.STREAMFIT_FAULT)
  if (fault === null) return () => {}
  let reached = 0
  return point => {
    if (point !== fault.point || ++reached < fault.at) return
    process.stderr.write(`streamfit: STREAMFIT_FAULT=${env.STREAMFIT_FAULT}: killing myself with SIGKILL\n`)
    process.kill(process.pid, 'SIGKILL')
  }
}
