// `streamfit up`: a Kafka broker and a Redis that answer, started locally when needed.
import type { Command } from 'commander'
import { relative } from 'node:path'
import { loadConfig } from '../config.js'
import { UsageError } from '../errors.js'
import type { ServiceInfo } from '../infra/kafka-broker.js'

export function register (program: Command): void {
  program.command('up')
    .description('make Kafka (KAFKA_BROKERS, default 127.0.0.1:9092) and Redis (REDIS_URL, default redis://127.0.0.1:6379) answer, starting local ones where nothing answers')
    .option('--heap <size>', 'JVM heap of a broker it starts (-Xmx)', '1g')
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

function describe (name: string, s: ServiceInfo): string {
  const how = s.started ? 'started' : s.pid !== undefined ? 'already running (started by streamfit up)' : 'already running'
  const details = s.pid !== undefined ? `, pid ${s.pid}, log ${shortPath(s.log)}` : ''
  return `${name.padEnd(6)}${s.address.padEnd(24)} ${how}${details}`
}

function shortPath (path = ''): string {
  const rel = relative(process.cwd(), path)
  return rel.startsWith('..') ? path : rel
}
