// `streamfit describe <train|score|online>`: prints a topology the way Kafka Streams'
// Topology.describe() does. Each topology file declares its own description (an exported
// `describe(config)`), so what is printed is what the app runs.
import type { Command } from 'commander'
import { loadConfig, type Config } from '../config.js'
import { UsageError } from '../errors.js'
import { formatTopology, validateTopology, type TopologyDescription } from '../runtime/describe.js'

export const APPS = ['train', 'score', 'online'] as const
export type AppName = typeof APPS[number]

/** Loads topologies/<app>.js and returns its description for this configuration. */
export async function describeApp (app: string, config: Config = loadConfig()): Promise<TopologyDescription> {
  if (!(APPS as readonly string[]).includes(app)) {
    throw new UsageError(`unknown app "${app}": choose one of ${APPS.join(', ')}`)
  }
  // dist/src/commands/describe.js -> dist/topologies/<app>.js
  const module = await import(new URL(`../../topologies/${app}.js`, import.meta.url).href) as { describe?: (config: Config) => TopologyDescription }
  if (typeof module.describe !== 'function') throw new Error(`topologies/${app}.ts does not export describe(config)`)
  const description = module.describe(config)
  validateTopology(description)
  return description
}

export function register (program: Command): void {
  program
    .command('describe')
    .description('print a topology (sources, operators, sinks, topics, guarantee), like Kafka Streams\' Topology.describe()')
    .argument('<app>', APPS.join(' | '))
    .option('--json', 'print the description as one JSON line')
    .action(async (app: string, opts: { json?: boolean }) => {
      const description = await describeApp(app)
      process.stdout.write(opts.json ? JSON.stringify(description) + '\n' : formatTopology(description))
    })
}
