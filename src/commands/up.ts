// `streamfit up`: a Kafka broker and a Redis that answer, started locally when needed.
import type { Command } from 'commander'
import { join, relative } from 'node:path'
import { loadConfig, parseNumber } from '../config.js'
import { UsageError } from '../errors.js'
import type { ServiceInfo } from '../infra/kafka-broker.js'
import { fetchedSoftware } from '../infra/paths.js'

export function register (program: Command): void {
  program.command('up')
    .description('make Kafka (KAFKA_BROKERS, default 127.0.0.1:9092) and Redis (REDIS_URL, default redis://127.0.0.1:6379) answer, starting local ones where nothing answers')
    .option('--heap <size>', 'JVM heap of a broker it starts (-Xmx; default 1g, 512m per node of a cluster)')
    .option('--brokers <n>', 'start a local KRaft cluster of n nodes (replication factor min(n, 3)) instead of one broker; default: one per KAFKA_BROKERS address')
    .addHelpText('after', () => fetchHelp(loadConfig().stateDir))
    .action(async (opts: { heap?: string, brokers?: string }) => {
      const config = loadConfig()
      const brokers = opts.brokers === undefined ? undefined : parseNumber('--brokers', opts.brokers, { min: 1 })
      opts.heap ??= (brokers ?? config.kafka.brokers.length) > 1 ? '512m' : '1g'
      // Checked here: the JVM's own complaint comes after Redis was started, as a stack trace.
      if (!/^\d+[kKmMgG]?$/.test(opts.heap)) throw new UsageError(`--heap expects a JVM heap size such as 512m or 2g, got "${opts.heap}"`)
      const { up } = await import('../infra/services.js') // loaded on use: keeps other commands' start-up short
      const progress = (line: string): void => { process.stderr.write(`streamfit up: ${line}\n`) }
      const result = await up(config, { heap: opts.heap, onProgress: progress, ...(brokers !== undefined ? { brokers } : {}) })
      const kafka = result.kafkaNodes?.map((n, i) => describe(i === 0 ? 'kafka' : '', n)).join('\n') ?? describe('kafka', result.kafka)
      process.stdout.write(`${kafka}\n${describe('redis', result.redis)}\n`)
      if (result.kafkaNodes !== undefined) process.stdout.write(`export KAFKA_BROKERS=${result.kafka.address}\n`)
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
