// What the figures were measured on: the machine, its load, and every component's version.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join } from 'node:path'

export interface Machine {
  cpuModel: string
  cores: number
  memoryGb: number
  os: string
}

export function describeMachine (): Machine {
  let os = `${process.platform} ${process.arch}`
  try {
    const release = readFileSync('/etc/os-release', 'utf8')
    os = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(release)?.[1] ?? os
  } catch { /* not Linux */ }
  const kernel = (() => { try { return execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim() } catch { return '' } })()
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    os: kernel !== '' ? `${os}, Linux ${kernel}` : os
  }
}

/** The 1, 5 and 15 minute load averages, rounded. */
export function loadAverage (): [number, number, number] {
  const [a, b, c] = loadavg().map(x => Math.round(x * 100) / 100)
  return [a, b, c]
}

/** Versions of streamfit's stack, read from the installed packages. */
export function nodeVersions (root: string): Record<string, string> {
  const version = (pkg: string): string => {
    try { return (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version } catch { return 'missing' }
  }
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
  return {
    node: process.version.replace(/^v/, ''),
    streamfit: own.version,
    '@platformatic/kafka': version('@platformatic/kafka'),
    '@tensorflow/tfjs': version('@tensorflow/tfjs'),
    '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm'),
    rxjs: version('rxjs')
  }
}

/** The pid of the process listening on the first broker's port on this machine, or null. */
export function localBrokerPid (brokers: string): number | null {
  const port = Number(brokers.split(',')[0]?.split(':')[1])
  if (!Number.isInteger(port)) return null
  try {
    const inode = listeningInode(port)
    if (inode === null) return null
    for (const pid of readdirSync('/proc').filter(d => /^\d+$/.test(d))) {
      let fds: string[]
      try { fds = readdirSync(`/proc/${pid}/fd`) } catch { continue }
      if (fds.some(fd => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]` } catch { return false } })) return Number(pid)
    }
  } catch { /* /proc not readable */ }
  return null
}

/**
 * The Kafka version of a local broker, from the jars on its class path (the wire protocol does
 * not carry it). Null when the process is not ours to see (a container, another host).
 */
export function localBrokerVersion (pid: number | null): string | null {
  if (pid === null) return null
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    const at = Math.max(argv.indexOf('-cp'), argv.indexOf('-classpath'))
    for (const entry of (at >= 0 ? argv[at + 1] ?? '' : '').split(':')) {
      const dir = dirname(entry)
      if (!existsSync(dir)) continue
      const jar = readdirSync(dir).map(f => /^kafka_[\d.]+-([\d.]+)\.jar$/.exec(f) ?? /^kafka-server-([\d.]+)\.jar$/.exec(f)).find(m => m !== null)
      if (jar) return jar[1]
    }
  } catch { /* gone, or not readable */ }
  return null
}

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream architecture.
const CLOCK_TICKS = 100

/** CPU seconds (user + system) a process has used so far, or NaN when it cannot be read. */
export function processCpuSeconds (pid: number | null): number {
  if (pid === null) return Number.NaN
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS // utime, stime: fields 14 and 15
  } catch {
    return Number.NaN
  }
}

function listeningInode (port: number): string | null {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = ''
    try { text = readFileSync(table, 'utf8') } catch { continue }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      // local_address ends in :PORT, state 0A = LISTEN, inode is column 10
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') return cols[9] ?? null
    }
  }
  return null
}

/**
 * The processes using the most CPU right now (over `ms`), this one excluded: "43% node dist/test/…".
 * Sampled from /proc (ps would give lifetime averages).
 */
export async function busiestProcesses (ms = 2000, top = 5): Promise<string[]> {
  const sample = (): Map<string, number> => {
    const cpu = new Map<string, number>()
    try {
      for (const pid of readdirSync('/proc').filter(d => /^\d+$/.test(d))) {
        if (Number(pid) === process.pid) continue
        const seconds = processCpuSeconds(Number(pid))
        if (Number.isFinite(seconds)) cpu.set(pid, seconds)
      }
    } catch { /* no /proc */ }
    return cpu
  }
  const before = sample()
  await new Promise(resolve => setTimeout(resolve, ms))
  const after = sample()
  const busy: Array<{ pid: string, share: number }> = []
  for (const [pid, seconds] of after) {
    const share = (seconds - (before.get(pid) ?? seconds)) / (ms / 1000)
    if (share > 0.02) busy.push({ pid, share })
  }
  return busy.sort((a, b) => b.share - a.share).slice(0, top).map(({ pid, share }) => {
    let command = '?'
    try { command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).map(a => a.replace(/^.*\//, '')).join(' ').slice(0, 70) } catch { /* exited */ }
    return `${Math.round(share * 100)}% ${command}`
  })
}
