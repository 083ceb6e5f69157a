// `streamfit describe <train|score|online> [the app's flags]`: prints a topology the way Kafka
// Streams' Topology.describe() does. The app's own flags are parsed the way the app parses them
// and the description is written from the settings a run with them would use, so what is
// printed is what `streamfit <app> [the same flags]` runs.
import { Command } from 'commander'
import { loadConfig, type Config } from '../config.js'
import { UsageError } from '../errors.js'
import { formatReplicationReport, replicationReport } from '../kafka/replication-report.js'
import { formatTopology, topologyTopics, type TopologyDescription } from '../runtime/describe.js'
import { describeRun } from '../runtime/topology.js'
import { specConfig, type AppCommandModule } from './flags.js'

export const APPS = ['train', 'score', 'online'] as const
export type AppName = typeof APPS[number]

/** The description of `app` run with the command-line flags `args` (none: its defaults). */
export async function describeApp (app: string, config: Config = loadConfig(), args: string[] = []): Promise<TopologyDescription> {
  return (await parseAppFlags(app, config, args)).description
}

async function parseAppFlags (app: string, config: Config, args: string[]): Promise<{ description: TopologyDescription, json: boolean, kafka: Config['kafka'] }> {
  if (!(APPS as readonly string[]).includes(app)) {
    throw new UsageError(`unknown app "${app}": choose one of ${APPS.join(', ')}`)
  }
  const module = await import(`./${app}.js`) as AppCommandModule
  const parser = module.declareFlags(new Command(app)).exitOverride(error => {
    throw new UsageError(`describe ${app}: ${error.message.replace(/^error: /, '')}: run \`streamfit ${app} --help\` for its flags`)
  }).configureOutput({ writeErr: () => {} })
  parser.parse(args, { from: 'user' })
  const flags = parser.opts()
  const { config: specified, spec } = await specConfig(flags.spec as string | undefined, config)
  return { description: describeRun(module.topology, module.topologyInput(flags, specified, spec), specified), json: flags.json === true, kafka: specified.kafka }
}

export function register (program: Command): void {
  program
    .command('describe')
    .description('print a topology (sources, operators, sinks, topics, guarantee) as the app would run it with the flags given, like Kafka Streams\' Topology.describe()')
    .argument('<app>', APPS.join(' | '))
    .argument('[flags...]', 'the app\'s own flags, e.g. --group g --batch-size 2048; --json prints the description as one JSON line; each topic\'s replication is read from Kafka when it answers')
    .allowUnknownOption()
    .helpOption('-h, --help', 'display help for describe')
    .action(async (app: string, flags: string[]) => {
      const { description, json, kafka } = await parseAppFlags(app, loadConfig(), flags)
      // Replication is read from the cluster when it answers; the topology itself needs none.
      const { reads, writes } = topologyTopics(description)
      const replication = await replicationReport(kafka, [...new Set([...reads, ...writes])])
      process.stdout.write(json ? JSON.stringify({ ...description, replication }) + '\n' : formatTopology(description) + formatReplicationReport(replication))
      for (const warning of 'warnings' in replication ? replication.warnings : []) process.stderr.write(warning + '\n')
    })
}
