// Parses a `streamfit …` command line with the CLI's own parser and runs nothing: every action is
// replaced by a no-op. Unknown commands, unknown flags, missing flag values and missing or excess
// arguments fail as they would in a shell. test/unit/docs-links.test.ts checks every command line
// the README and docs/ show with it, so the manual cannot drift from the code.
import { Command, CommanderError } from 'commander'
import { buildProgram } from './program.js'
import { APPS } from './describe.js'
import type { AppCommandModule } from './flags.js'

/** Undefined when `args` (the words after `streamfit`) parse; else commander's message. */
export async function parseCommandLine (args: string[]): Promise<string | undefined> {
  const program = await buildProgram(args)
  program.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
  if (args.every(arg => arg.startsWith('-')) && !args.some(isHelpOrVersion)) return 'no command given'
  for (const command of allCommands(program)) {
    command.exitOverride()
    command.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    // describe takes the app's flags as arguments: check them against the app's own parser.
    command.action(command.name() === 'describe' ? checkDescribe : () => {})
  }
  try {
    await program.parseAsync(args, { from: 'user' })
    return undefined
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')) return undefined
    return error instanceof Error ? error.message : String(error)
  }
}

async function checkDescribe (app: string, flags: string[]): Promise<void> {
  if (!(APPS as readonly string[]).includes(app)) throw new Error(`describe: unknown app "${app}"`)
  const module = await import(`./${app}.js`) as AppCommandModule
  const parser = module.declareFlags(new Command(app)).exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
  parser.parse(flags, { from: 'user' })
}

function isHelpOrVersion (arg: string): boolean {
  return ['-h', '--help', '-V', '--version'].includes(arg)
}

function allCommands (command: Command): Command[] {
  return command.commands.flatMap(c => [c, ...allCommands(c)])
}

/** Every long flag `streamfit <name>` and its subcommands accept (describe: also its apps'); undefined for an unknown command. */
export async function knownFlags (name: string): Promise<Set<string> | undefined> {
  const program = await buildProgram([name])
  const command = program.commands.find(c => c.name() === name)
  if (command === undefined) return undefined
  const flags = new Set(['--help', '--version'])
  const commands = [command, ...allCommands(command)]
  if (name === 'describe') {
    for (const app of APPS) commands.push((await import(`./${app}.js`) as AppCommandModule).declareFlags(new Command(app)))
  }
  for (const c of commands) for (const option of c.options) if (option.long !== undefined) flags.add(option.long)
  return flags
}
