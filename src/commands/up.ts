// `streamfit up`: a Kafka broker and a Redis that answer, started locally when needed.
import type { Command } from 'commander'
import { join, relative } from 'node:path'
import { loadConfig } from '../config.js'
import { UsageError } from '../errors.js'
import type { ServiceInfo } from '../infra/kafka-broker.js'
import { fetchedSoftware } from '../infra/paths.js'

export function register (program: Command): void {
  program.command('up')
    .description('make Kafka (KAFKA_BROKERS, default 127.0.0.1:9092) and Redis (REDIS_URL, default redis://127.0.0.1:6379) answer, starting local ones where nothing answers')
    .option('--heap <size>', 'JVM heap of a broker it starts (-Xmx)', '1g')
    .addHelpText('after', () => fetchHelp(loadConfig().stateDir))
    .action(async (opts: { heap: string }) => {
      const config = loadConfig()
      // Checked here: the JVM's own complaint comes after Redis was started, as a stack trace.
      if (!/^\d+[kKmMgG]?$/.test(opts.heap)) throw new UsageError(`--heap expects a JVM heap size such as 512m or 2g, got "${opts.heap}"`)
      const { up } = await import('../infra/services.js') // loaded on use: keeps other commands' start-up short
      const progress = (line: string): void => { process.stderr.write(`streamfit up: ${line}\n`) }
      const result = await up(config, { heap: opts.heap, onProgress: progress })
      process.stdout.write(`${describe('kafka', result.kafka)}\n${describe('redis', result.redis)}\n`)
    })
}

/** What `up` may fetch and where it keeps it, for --help. */
function fetchHelp (stateDir: string): string {
  const items = fetchedSoftware(stateDir)
  return [
    '',
    `What up may fetch, once, into the state dir (STREAMFIT_HOME, now ${stateDir}):`,
    ...items.flatMap(i => [`  ${i.what}`, `    from ${i.from}`, `    into ${i.dir}`]),
    `Started services keep their data and logs in ${join(stateDir, 'kafka-<port>')} and ${join(stateDir, 'redis-<port>')}`,
    '(Redis with an append-only file, fsync on every write). The broker needs Java 17+.',
    '`streamfit down --purge` stops them and removes what was fetched.'
  ].join('\n')
}

function describe (name: string, s: ServiceInfo): string {
  const how = s.started ? 'started' : s.pid !== undefined ? 'already running (started by streamfit up)' : 'already running'
  const details = s.pid !== undefined ? `, pid ${s.pid}, log ${shortPath(s.log)}` : ''
  return `${name.padEnd(6)}${s.address.padEnd(24)} ${how}${details}`
}

function shortPath (path = ''): string {
  const rel = relative(process.cwd(), path)
  return rel.startsWith('..') ? path : rel
}
