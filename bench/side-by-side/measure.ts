// Runs one stage in its own process under GNU time, the same way for both systems: peak RSS is
// the kernel's high-water mark of that process ("Maximum resident set size" of `time -v`), and
// the stage's figures are the last JSON line it prints on stdout.
import { spawn } from 'node:child_process'
import { appendFileSync, readFileSync, rmSync } from 'node:fs'

export interface Measured {
  /** The last JSON object the process printed on stdout. */
  json: Record<string, unknown>
  /** Every JSON object it printed, in order (a profile prints several). */
  lines: Array<Record<string, unknown>>
  peakRssMb: number
  /** CPU seconds (user + system) of the process, all threads. */
  cpuSeconds: number
  /** Wall time of the whole process (start-up included), for the record. */
  processSeconds: number
}

export class StageFailed extends Error {}

const TIME = '/usr/bin/time'

/** Runs `command args` under `time -v`; stderr goes to `logFile` (appended). */
export async function runMeasured (command: string, args: string[], options: { env: NodeJS.ProcessEnv, cwd: string, logFile: string, label: string }): Promise<Measured> {
  const timeFile = `${options.logFile}.time-${process.pid}-${Date.now()}`
  appendFileSync(options.logFile, `\n=== ${options.label}: ${command} ${args.join(' ')}\n`)
  const started = performance.now()
  const { code, stdout } = await new Promise<{ code: number | null, stdout: string }>((resolve, reject) => {
    const child = spawn(TIME, ['-v', '-o', timeFile, command, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
    child.stderr.on('data', (chunk: Buffer) => appendFileSync(options.logFile, chunk))
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout: out }))
  })
  const processSeconds = (performance.now() - started) / 1000
  appendFileSync(options.logFile, `--- stdout\n${stdout}`)
  let timeReport = ''
  try { timeReport = readFileSync(timeFile, 'utf8') } catch { /* time could not run the command */ }
  rmSync(timeFile, { force: true })
  const lines = jsonLines(stdout)
  const json = lines.at(-1) ?? null
  if (code !== 0 || json === null) {
    throw new StageFailed(`${options.label} failed (exit ${code}${json === null ? ', no JSON line' : ''}): ${json !== null && 'error' in json ? String(json.error) : `see ${options.logFile}`}`)
  }
  const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(timeReport)
  const seconds = (name: string): number => Number(new RegExp(`${name} \\(seconds\\): ([\\d.]+)`).exec(timeReport)?.[1] ?? Number.NaN)
  return { json, lines, peakRssMb: kb !== null ? Math.round(Number(kb[1]) / 102.4) / 10 : NaN, cpuSeconds: seconds('User time') + seconds('System time'), processSeconds }
}

function jsonLines (stdout: string): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = []
  for (const line of stdout.split('\n').map(l => l.trim()).filter(l => l.startsWith('{'))) {
    try {
      const parsed: unknown = JSON.parse(line)
      // Log lines (pino) carry a level; the figures never do.
      if (parsed !== null && typeof parsed === 'object' && !('level' in parsed)) found.push(parsed as Record<string, unknown>)
    } catch { /* not JSON after all */ }
  }
  return found
}
