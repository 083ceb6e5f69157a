// The `streamfit` command. Each subcommand lives in src/commands/<name>.ts and registers itself.
import { Command, CommanderError } from 'commander'
import { UsageError } from './errors.js'
import { commandsFor } from './commands/index.js'

const program = new Command('streamfit')
  .description('Machine learning on Kafka topics: load, train, score exactly-once, learn online.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()

try {
  for (const register of await commandsFor(process.argv.slice(2))) register(program)
  await program.parseAsync(process.argv)
} catch (error) {
  process.exitCode = reportError(error)
}

function reportError (error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode
  if (error instanceof UsageError) {
    process.stderr.write(`streamfit: ${error.message}\n`)
    return 2
  }
  process.stderr.write(`streamfit: ${(error as Error)?.stack ?? String(error)}\n`)
  return 1
}
