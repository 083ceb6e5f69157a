// Every subcommand of the CLI, in the order `streamfit --help` lists them. Each is loaded only
// when it runs: score, train and online pull in the Kafka client and TensorFlow.js, which `up`,
// `lag` or `--help` of another command should not pay for.
import type { Command } from 'commander'

export type RegisterCommand = (program: Command) => void

type Loader = () => Promise<{ register: RegisterCommand }>

export const commands: Record<string, Loader> = {
  up: () => import('./up.js'),
  down: () => import('./down.js'),
  init: () => import('./init.js'),
  load: () => import('./load.js'),
  train: () => import('./train.js'),
  evaluate: () => import('./evaluate.js'),
  models: () => import('./models.js'),
  describe: () => import('./describe.js'),
  online: () => import('./online.js'),
  score: () => import('./score.js'),
  lag: () => import('./lag.js'),
  reset: () => import('./reset.js'),
  demo: () => import('./demo.js'),
  backend: () => import('./backend.js')
}

/** The commands to register for these arguments: the named one, or all of them for the overview. */
export async function commandsFor (argv: string[]): Promise<RegisterCommand[]> {
  const name = argv.find(arg => !arg.startsWith('-'))
  const chosen = name !== undefined && name in commands ? [commands[name]] : Object.values(commands)
  return (await Promise.all(chosen.map(load => load()))).map(m => m.register)
}
