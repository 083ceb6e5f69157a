// The `streamfit` command. Each subcommand lives in src/commands/<name>.ts and registers itself.
// Every failure a user can fix ends here as exactly one line on stderr, `streamfit: <problem>:
// <fix>`, and the exit code src/errors.ts gives it (2 for usage, 3 for fencing, 1 otherwise).
import { type Command, CommanderError } from 'commander'
import { loadConfig } from './config.js'
import { EXIT, StreamfitError, UsageError } from './errors.js'
import { buildProgram } from './commands/program.js'

let program: Command | undefined

try {
  program = await buildProgram(process.argv.slice(2))
  await program.parseAsync(process.argv)
} catch (error) {
  process.exitCode = await reportError(error)
}

async function reportError (error: unknown): Promise<number> {
  if (error instanceof CommanderError) return commanderError(error)
  const known = error instanceof StreamfitError ? error : await explain(error)
  if (known !== undefined) {
    process.stderr.write(`streamfit: ${oneLine(known.message)}\n`)
    return known.exitCode
  }
  process.stderr.write(`streamfit: ${(error as Error)?.stack ?? String(error)}\n`)
  return EXIT.failure
}

/** A Kafka client error a user can fix (unreachable broker, TLS/SASL, missing topic), or undefined. */
async function explain (error: unknown): Promise<UsageError | undefined> {
  if (!(error instanceof Error)) return undefined
  let kafka
  try { kafka = loadConfig().kafka } catch { return undefined }
  const { explainClientError } = await import('./kafka/client-errors.js')
  return explainClientError(error, kafka)
}

// Help and --version exit 0; every parse error (unknown command or option, missing option or
// argument, too many arguments) is a usage error: exit 2, with where to look.
function commanderError (error: CommanderError): number {
  if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok
  if (error.code === 'commander.help') return EXIT.usage // no command given: the overview was printed
  const command = commandPath(process.argv.slice(2))
  process.stderr.write(`streamfit: ${oneLine(error.message.replace(/^error: /, ''))} (run \`${command} --help\` for usage)\n`)
  return EXIT.usage
}

/** "streamfit models prune": the deepest command the words name, whose --help shows its own flags. */
function commandPath (args: readonly string[]): string {
  const path = ['streamfit']
  if (program === undefined) return path[0]!
  let command: Command = program
  for (const arg of args) {
    if (arg.startsWith('-')) continue
    const sub = command.commands.find(c => c.name() === arg || c.aliases().includes(arg))
    if (sub === undefined) break
    path.push(sub.name())
    command = sub
  }
  return path.join(' ')
}

function oneLine (text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
