// Debian's redis-server on loopback, persistence off: a scratch Redis for development and tests.
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { UsageError } from '../errors.js'
import { portOpen, tail, type ServiceInfo } from './kafka-broker.js'
import { isOurProcess, readPid, removePid, sleep, stopProcess, writePid } from './pidfile.js'
import { redisAnswers } from './probe.js'
import { redisPaths } from './paths.js'

export interface RedisServerOptions {
  stateDir: string
  host?: string
  port?: number
  /** Set as requirepass when the URL carries one. */
  password?: string
  startTimeoutMs?: number
}

const DEFAULTS = { host: '127.0.0.1', port: 6379, startTimeoutMs: 20_000 }

export async function startRedis (options: RedisServerOptions): Promise<ServiceInfo> {
  const { host, port, startTimeoutMs } = { ...DEFAULTS, ...options }
  const paths = redisPaths(options.stateDir, port)
  const url = `redis://${options.password ? `:${encodeURIComponent(options.password)}@` : ''}${host}:${port}`
  const address = `redis://${host}:${port}`
  if (await redisAnswers(url)) {
    const pid = readPid(paths.pid)
    const ours = pid !== null && isOurProcess(pid, paths.dir)
    return { address, started: false, ...(ours ? { pid, log: paths.log } : {}) }
  }
  if (await portOpen(host, port)) throw new UsageError(`port ${host}:${port} is taken by a program that is not Redis: stop it, or set REDIS_URL to another address`)
  const server = process.env.STREAMFIT_REDIS_SERVER ?? 'redis-server'
  if (spawnSync(server, ['--version']).error) {
    throw new UsageError(`no ${server} found: install it (Debian/Ubuntu: \`apt-get install redis-server\`), or run Redis with Docker: \`docker compose up -d redis\``)
  }
  mkdirSync(paths.dir, { recursive: true })
  const args = ['--bind', host, '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', paths.dir, '--logfile', '', '--daemonize', 'no']
  if (options.password) args.push('--requirepass', options.password)
  const logFd = openSync(paths.log, 'a')
  const child = spawn(server, args, { detached: true, stdio: ['ignore', logFd, logFd] })
  closeSync(logFd)
  child.unref()
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not start ${server}`)
  writePid(paths.pid, pid)
  const deadline = Date.now() + startTimeoutMs
  while (!await redisAnswers(url, 500)) {
    if (!isOurProcess(pid, paths.dir)) {
      removePid(paths.pid)
      throw new Error(`redis-server exited during start-up; last lines of ${paths.log}:\n${tail(paths.log, 10)}`)
    }
    if (Date.now() > deadline) {
      await stopProcess(pid, paths.dir, { graceMs: 2000 })
      removePid(paths.pid)
      throw new Error(`redis-server did not answer at ${address} within ${startTimeoutMs / 1000} s; see ${paths.log}`)
    }
    await sleep(100)
  }
  return { address, log: paths.log, pid, started: true }
}

export async function stopRedis ({ stateDir, port = DEFAULTS.port, signal = 'SIGTERM' as NodeJS.Signals }: { stateDir: string, port?: number, signal?: NodeJS.Signals }): Promise<boolean> {
  const paths = redisPaths(stateDir, port)
  const pid = readPid(paths.pid)
  if (pid === null) return false
  const stopped = await stopProcess(pid, paths.dir, { signal, graceMs: 10_000 })
  removePid(paths.pid)
  return stopped
}
