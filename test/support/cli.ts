// The one way tests run the CLI: `node bin/streamfit.js ...` as a child process, as a user or a
// deployment runs it. startCli streams (for processes a test kills or waits on), runCli runs a
// command to its end.
import { spawn, type ChildProcess } from 'node:child_process'
import { CLI } from './paths.js'

export { CLI }

export interface CliExit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliProcess {
  readonly child: ChildProcess
  readonly name: string
  stdout (): string
  stderr (): string
  /** Resolves when the process has exited and its output is complete. */
  readonly exited: Promise<CliExit>
}

export interface CliOptions {
  cwd?: string
}

/** Starts `streamfit ...args`; the environment is this process's plus `env` (undefined removes a variable). */
export function startCli (name: string, args: string[], env: NodeJS.ProcessEnv = {}, { cwd }: CliOptions = {}): CliProcess {
  const merged = { ...process.env, ...env }
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key]
  const child = spawn(process.execPath, [CLI, ...args], { env: merged, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => { out += c })
  child.stderr!.setEncoding('utf8').on('data', (c: string) => { err += c })
  // 'close' comes after both pipes ended, so the output is whole.
  const exited = new Promise<CliExit>(resolve => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }))
  })
  return { child, name, stdout: () => out, stderr: () => err, exited }
}

/** A CLI run that exited non-zero (or was killed at its timeout), with what it printed. */
export class CliFailure extends Error {
  constructor (readonly args: string[], readonly exit: CliExit) {
    super(`streamfit ${args.join(' ')} exited ${exit.code ?? exit.signal}:\n${exit.stderr.slice(-3000)}`)
  }
}

/** Runs a CLI command to its end; rejects with a CliFailure when it exits non-zero or times out. */
export async function runCli (args: string[], env: NodeJS.ProcessEnv = {}, { timeoutMs = 120_000, ...options }: CliOptions & { timeoutMs?: number } = {}): Promise<CliExit & { json: Record<string, unknown> }> {
  const p = startCli(args[0] ?? 'cli', args, env, options)
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs)
  const exit = await p.exited
  clearTimeout(timer)
  if (exit.code !== 0) throw new CliFailure(args, exit)
  return { ...exit, json: lastJson(exit.stdout) }
}

/** The last line of `stdout` that is a JSON object ({} when none). */
export function lastJson (stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').reverse().find(l => l.startsWith('{'))
  return line === undefined ? {} : JSON.parse(line) as Record<string, unknown>
}
