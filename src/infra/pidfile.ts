// Pid files for the services `up` starts, so that `down` stops those and nothing else.
import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'

export function writePid (path: string, pid: number): void {
  writeFileSync(path, `${pid}\n`)
}

export function readPid (path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

export function removePid (path: string): void {
  rmSync(path, { force: true })
}

/**
 * Whether `pid` is a live process whose command line mentions `marker` (a path only that service
 * has on its command line) or whose working directory is `marker`, so that a pid recycled by an unrelated process is never signalled.
 * Where /proc is missing (macOS) only liveness is checked.
 */
export function isOurProcess (pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false // gone, or another user's process (EPERM): not ours either way
  }
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return true
  }
  // A zombie has exited and only waits for its parent to reap it, once its last thread is gone:
  // a killed JVM's main thread turns zombie while other threads still hold its sockets open.
  if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z') && threads(pid) <= 1) return false
  try {
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some(arg => arg.includes(marker))) return true
    // redis-server rewrites its command line into a title, but it runs inside its --dir.
    return readlinkSync(`/proc/${pid}/cwd`) === marker
  } catch {
    return false
  }
}

function threads (pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).length
  } catch {
    return 0
  }
}

/**
 * Signals the process and waits until it is gone; escalates to SIGKILL after `graceMs`.
 * Returns false when it was not running (or not ours) to begin with.
 */
export async function stopProcess (pid: number, marker: string, { signal = 'SIGTERM' as NodeJS.Signals, graceMs = 30_000 } = {}): Promise<boolean> {
  if (!isOurProcess(pid, marker)) return false
  process.kill(pid, signal)
  const deadline = Date.now() + graceMs
  while (isOurProcess(pid, marker)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL')
      await waitGone(pid, marker, 10_000)
      break
    }
    await sleep(100)
  }
  return true
}

async function waitGone (pid: number, marker: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (isOurProcess(pid, marker) && Date.now() < deadline) await sleep(50)
}

export function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
