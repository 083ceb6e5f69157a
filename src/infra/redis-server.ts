// A local redis-server on loopback, with an append-only file synced on every write: the model
// registry survives a restart or a crash of Redis (its data lives in the state dir, per port).
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { UsageError } from '../errors.js'
import { portOpen, tail, type ServiceInfo } from './kafka-broker.js'
import { isOurProcess, readPid, removePid, sleep, stopProcess, writePid } from './pidfile.js'
import { redisAnswers } from './probe.js'
import { redisPaths } from './paths.js'
import { redisServerCommand } from './redis-fetch.js'

/** Where and how {@link startRedis} runs redis-server. */
export interface RedisServerOptions {
  stateDir: string
  host?: string
  port?: number
  /** Set as requirepass when the URL carries one (and no user name). */
  password?: string
  /**
   * The URL's user (redis://user:pw@host): an ACL user with that password and every permission
   * is created, so that the URL works as given; the default user then takes the same password.
   */
  username?: string
  startTimeoutMs?: number
  /** Told what is happening (a first fetch of the packages takes a while). */
  onProgress?: (line: string) => void
}

const DEFAULTS = { host: '127.0.0.1', port: 6379, startTimeoutMs: 20_000 }

/**
 * Starts redis-server (fetching Debian's package when none is on the PATH) unless one already answers
 * at the address.
 */
export async function startRedis (options: RedisServerOptions): Promise<ServiceInfo> {
  const { host, port, startTimeoutMs } = { ...DEFAULTS, ...options }
  const paths = redisPaths(options.stateDir, port)
  const user = options.username !== undefined && options.username !== '' && options.username !== 'default' ? options.username : undefined
  const url = `redis://${options.password ? `${user !== undefined ? encodeURIComponent(user) : ''}:${encodeURIComponent(options.password)}@` : ''}${host}:${port}`
  const address = `redis://${host}:${port}`
  if (await redisAnswers(url)) {
    const pid = readPid(paths.pid)
    const ours = pid !== null && isOurProcess(pid, paths.dir)
    return { address, started: false, ...(ours ? { pid, log: paths.log } : {}) }
  }
  if (await portOpen(host, port)) throw new UsageError(`port ${host}:${port} is taken by a program that is not Redis: stop it, or set REDIS_URL to another address`)
  const { command: server, env, fetched } = await redisServerCommand(options.stateDir, options.onProgress)
  if (fetched !== undefined) options.onProgress?.(fetched)
  mkdirSync(paths.dir, { recursive: true })
  // AOF with appendfsync always: an acknowledged write (a saved model version) is on disk.
  const args = ['--bind', host, '--port', String(port), '--appendonly', 'yes', '--appendfsync', 'always', '--save', '',
    '--dir', paths.dir, '--logfile', '', '--daemonize', 'no']
  if (options.password) args.push('--requirepass', options.password)
  if (user !== undefined && options.password) args.push('--user', user, 'on', `>${options.password}`, '~*', '&*', '+@all')
  const logFd = openSync(paths.log, 'a')
  const child = spawn(server, args, { detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, ...env } })
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

/** Stops the redis-server `startRedis` started at `port`; false when none of ours was running. */
export async function stopRedis ({ stateDir, port = DEFAULTS.port, signal = 'SIGTERM' as NodeJS.Signals }: { stateDir: string, port?: number, signal?: NodeJS.Signals }): Promise<boolean> {
  const paths = redisPaths(stateDir, port)
  const pid = readPid(paths.pid)
  if (pid === null) return false
  const stopped = await stopProcess(pid, paths.dir, { signal, graceMs: 10_000 })
  removePid(paths.pid)
  return stopped
}
