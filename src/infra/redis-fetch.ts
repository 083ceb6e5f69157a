// Where `up` gets a redis-server: the one on the PATH, else Debian's packages fetched once into the
// state dir without root (`apt-get download` + `dpkg-deb -x`, the libraries it needs that the
// system lacks included), else a one-line error naming the command to run.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { UsageError } from '../errors.js'
import { redisPackageDir } from './paths.js'

const run = promisify(execFile)

export interface RedisCommand {
  /** The executable to start. */
  command: string
  /** Extra environment it needs (the fetched libraries' directories). */
  env: Record<string, string>
  /** Set when this call fetched the packages: what it did, in one line. */
  fetched?: string
}

/** The packages that hold redis-server (Debian splits the binary and the server's name). */
const REDIS_PACKAGES = ['redis-server', 'redis-tools']

export const NO_REDIS_HINT = 'install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`), ' +
  'or run it with Docker (`docker compose up -d redis`), or set REDIS_URL to a Redis that answers'

/** Finds or fetches a redis-server to start. */
export async function redisServerCommand (stateDir: string, onProgress: (line: string) => void = () => {}): Promise<RedisCommand> {
  const named = process.env.STREAMFIT_REDIS_SERVER
  if (named !== undefined) {
    if (!await runs(named, {})) throw new UsageError(`STREAMFIT_REDIS_SERVER=${named} does not run: ${NO_REDIS_HINT}`)
    return { command: named, env: {} }
  }
  if (await runs('redis-server', {})) return { command: 'redis-server', env: {} }
  const cached = fetchedCommand(stateDir)
  if (cached !== null) return cached
  if (!await runs('apt-get', {}, ['--version'])) throw new UsageError(`no redis-server found on the PATH: ${NO_REDIS_HINT}`)
  return fetchFromDebian(stateDir, onProgress)
}

/** The redis-server of an earlier fetch, when it is complete and still runs here. */
function fetchedCommand (stateDir: string): RedisCommand | null {
  const dir = redisPackageDir(stateDir)
  const command = join(dir, 'root', 'usr', 'bin', 'redis-server')
  if (!existsSync(join(dir, 'fetched.json')) || !existsSync(command)) return null
  return { command, env: libraryEnv(join(dir, 'root')) }
}

async function fetchFromDebian (stateDir: string, onProgress: (line: string) => void): Promise<RedisCommand> {
  const dir = redisPackageDir(stateDir)
  // Fetch into a scratch directory and rename it into place, so a half fetch never looks complete.
  const scratch = `${dir}.partial-${process.pid}`
  rmSync(scratch, { recursive: true, force: true })
  mkdirSync(join(scratch, 'debs'), { recursive: true })
  try {
    onProgress(`no redis-server on the PATH: fetching Debian's redis-server package (once, no root) into ${dir}`)
    let apt = [] as string[]
    let packages = await packagesToFetch(apt).catch(() => null)
    if (packages === null) {
      // No package lists on this machine (a slim image): read Debian's own, into the scratch directory.
      apt = privateApt(scratch)
      await run('apt-get', [...apt, 'update'], { maxBuffer: 16 << 20 })
      packages = await packagesToFetch(apt)
    }
    await run('apt-get', [...apt, 'download', ...packages], { cwd: join(scratch, 'debs'), maxBuffer: 16 << 20 })
    const debs = readdirSync(join(scratch, 'debs')).filter(f => f.endsWith('.deb'))
    for (const deb of debs) await run('dpkg-deb', ['-x', join(scratch, 'debs', deb), join(scratch, 'root')])
    const env = libraryEnv(join(scratch, 'root'))
    const version = await runs(join(scratch, 'root', 'usr', 'bin', 'redis-server'), env)
    if (!version) throw new Error('the unpacked redis-server does not run on this machine')
    rmSync(join(scratch, 'debs'), { recursive: true, force: true })
    rmSync(join(scratch, 'apt'), { recursive: true, force: true })
    const names = debs.map(d => decodeURIComponent(d).replace(/\.deb$/, '').split('_').slice(0, 2).join(' '))
    writeFileSync(join(scratch, 'fetched.json'), JSON.stringify({ packages: names, version: version.trim() }, null, 2) + '\n')
    rmSync(dir, { recursive: true, force: true })
    renameSync(scratch, dir)
    const fetched = fetchedCommand(stateDir)!
    return { ...fetched, fetched: `fetched ${names.join(', ')} with apt-get download and unpacked them into ${dir} (no root; \`streamfit down --purge\` removes them)` }
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true })
    if (error instanceof UsageError) throw error
    const detail = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n').filter(l => l.startsWith('E:')).at(-1) ?? (error as Error).message.split('\n')[0]
    throw new UsageError(`no redis-server on the PATH, and fetching Debian's package failed (${detail}): ${NO_REDIS_HINT}`)
  }
}

/**
 * redis-server's packages and the ones apt would add to install them here (the libraries this
 * system lacks), from apt's own dependency resolution in simulation mode (no root needed).
 */
async function packagesToFetch (apt: string[]): Promise<string[]> {
  const { stdout } = await run('apt-get', [...apt, '-s', '--no-install-recommends', 'install', ...REDIS_PACKAGES], { maxBuffer: 16 << 20 })
  const added = [...stdout.matchAll(/^Inst (\S+)/gm)].map(m => m[1])
  return [...new Set([...REDIS_PACKAGES, ...added])]
}

/** apt options that keep package lists and downloads in the scratch directory (no root needed). */
function privateApt (scratch: string): string[] {
  const root = join(scratch, 'apt')
  for (const d of ['lists/partial', 'cache/archives/partial']) mkdirSync(join(root, d), { recursive: true })
  return ['-o', `Dir::State::Lists=${root}/lists`, '-o', `Dir::Cache=${root}/cache`, '-o', 'Debug::NoLocking=1']
}

/** LD_LIBRARY_PATH naming every directory of the unpacked tree that holds shared libraries. */
function libraryEnv (root: string): Record<string, string> {
  const dirs = new Set<string>()
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry)
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) walk(path)
      else if (/\.so(\.|$)/.test(entry)) dirs.add(dirname(path))
    }
  }
  if (existsSync(root)) walk(root)
  if (dirs.size === 0) return {}
  return { LD_LIBRARY_PATH: [...dirs, ...(process.env.LD_LIBRARY_PATH ? [process.env.LD_LIBRARY_PATH] : [])].join(':') }
}

/** The command's --version output when it runs, else null. */
async function runs (command: string, env: Record<string, string>, args = ['--version']): Promise<string | null> {
  try {
    return (await run(command, args, { env: { ...process.env, ...env } })).stdout || 'ok'
  } catch {
    return null
  }
}

/** What an earlier fetch brought (for `down --purge` to report), or null. */
export function fetchedPackages (stateDir: string): string[] | null {
  try {
    return (JSON.parse(readFileSync(join(redisPackageDir(stateDir), 'fetched.json'), 'utf8')) as { packages: string[] }).packages
  } catch {
    return null
  }
}
