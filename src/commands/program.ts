// The `streamfit` command tree, built once for the CLI (src/cli.ts) and for checking command
// lines without running them (src/commands/parse-only.ts): one parser, so what the docs are checked
// against is what a user's shell runs.
import { createRequire } from 'node:module'
import { Command } from 'commander'
import { commandsFor } from './index.js'

/** The program with the commands these arguments need registered (all of them for the overview). */
export async function buildProgram (args: string[]): Promise<Command> {
  const program = new Command('streamfit')
    .description('Machine learning on Kafka topics: load, train, score exactly-once, learn online.')
    .version((createRequire(import.meta.url)('../../../package.json') as { version: string }).version)
    .exitOverride()
    // Commander's own message is replaced by the one line the CLI prints.
    .configureOutput({ outputError: () => {} })
  for (const register of await commandsFor(args)) register(program)
  return program
}
