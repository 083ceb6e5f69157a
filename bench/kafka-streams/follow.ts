// Measured from outside, the same way for both systems: the consumer group's committed offsets on
// the input (polled), so throughput counts records whose results are committed, and a process'
// resident memory sampled from /proc.
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { KafkaConfig } from '../../src/config.js'
import { withAdmin } from '../../src/kafka/admin.js'
import { committedOffsets } from '../../src/kafka/offsets.js'

export interface Progress {
  /** First poll that saw a commit: the rate is measured from here, so start-up costs are left out. */
  firstAt: number
  firstCommitted: number
  doneAt: number
  recordsPerSecond: number
}

/** Polls the group's committed input offsets until they cover `total` records; fails if the process dies first. */
export async function followGroup (kafka: KafkaConfig, groupId: string, topic: string, total: number, child: ChildProcess, { pollMs = 200, timeoutMs = 30 * 60_000 } = {}): Promise<Progress> {
  let exited: string | undefined
  child.once('exit', (code, signal) => { exited = `exited ${code ?? signal}` })
  return withAdmin(kafka, async admin => {
    const deadline = Date.now() + timeoutMs
    let first: { at: number, committed: number } | undefined
    for (;;) {
      const offsets = await committedOffsets(admin, groupId, { topics: [topic] })
      const at = performance.now()
      let committed = 0
      for (const offset of offsets.get(topic)?.values() ?? []) committed += Number(offset)
      if (first === undefined && committed > 0) first = { at, committed }
      if (committed >= total && first !== undefined) {
        const seconds = (at - first.at) / 1000
        return { firstAt: first.at, firstCommitted: first.committed, doneAt: at, recordsPerSecond: seconds > 0 ? (total - first.committed) / seconds : Number.NaN }
      }
      if (exited !== undefined) throw new Error(`${groupId}: the process ${exited} at ${committed} of ${total} committed`)
      if (Date.now() > deadline) throw new Error(`${groupId}: ${committed} of ${total} committed after ${timeoutMs / 1000} s`)
      await new Promise(resolve => setTimeout(resolve, pollMs))
    }
  })
}

/** Resident set size of a process in MiB, or NaN once it is gone. */
export function rssMiB (pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

export function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const done = new Promise<void>(resolve => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const hard = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return done.finally(() => clearTimeout(hard))
}
