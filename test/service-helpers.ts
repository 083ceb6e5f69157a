// Helpers for the service tests: run the real CLI as child processes (as a deployment does),
// wait for conditions, and put a model in the registry for scorers to load.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../src/config.js'
import { ModelRunner } from '../src/ml/runner.js'
import { ModelRegistry } from '../src/registry/registry.js'

export const CLI = fileURLToPath(new URL('../../bin/streamfit.js', import.meta.url)) // dist/test -> bin

export interface CliProcess {
  readonly child: ChildProcess
  readonly name: string
  stdout (): string
  stderr (): string
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** Starts `streamfit ...args`; the environment is this process's plus `env`. */
export function startCli (name: string, args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => { out += c })
  child.stderr!.setEncoding('utf8').on('data', (c: string) => { err += c })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => {
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  return { child, name, stdout: () => out, stderr: () => err, exited }
}

/** Runs a CLI command to its end; rejects with its stderr when it exits non-zero or times out. */
export async function runCli (args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ stdout: string, stderr: string, json: Record<string, unknown> }> {
  const p = startCli(args[0] ?? 'cli', args, env)
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs)
  const { code, signal } = await p.exited
  clearTimeout(timer)
  if (code !== 0) throw new Error(`streamfit ${args.join(' ')} exited ${code ?? signal}:\n${p.stderr().slice(-3000)}`)
  return { stdout: p.stdout(), stderr: p.stderr(), json: lastJson(p.stdout()) }
}

export function lastJson (stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').reverse().find(l => l.startsWith('{'))
  return line === undefined ? {} : JSON.parse(line) as Record<string, unknown>
}

/** Polls `check` every `everyMs` until it returns a truthy value; fails after `timeoutMs` naming `what`. */
export async function waitFor<T> (what: string, check: () => Promise<T> | T, { timeoutMs = 60_000, everyMs = 100 } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value as NonNullable<T>
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
}

/** `promise`, or a rejection naming `what` after `ms`; the timer never outlives the promise. */
export async function withTimeout<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms) })])
  } finally {
    clearTimeout(timer)
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/**
 * Saves a freshly initialised (untrained, seeded) SUSY model as the latest version under
 * `prefix`, so scorers have something to load without a training run. Returns its ref.
 */
export async function saveSeededModel (prefix: string, seed = 7): Promise<string> {
  const config = loadConfig()
  const runner = await ModelRunner.create({ backend: 'wasm', seed })
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix })
  try {
    const info = await registry.save({ snapshot: await runner.snapshot(), backend: runner.backend, rows: 0, epochs: 0, info: { trainer: 'test: seeded, untrained' } })
    return info.ref
  } finally {
    await registry.close()
    await runner.close()
  }
}

/** Deletes every Redis key under `prefix` (a test's private registry). */
export async function dropRegistry (prefix: string): Promise<void> {
  const { Redis } = await import('ioredis')
  const redis = new Redis(loadConfig().redisUrl)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}
