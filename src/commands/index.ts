// Every subcommand of the CLI, in the order `streamfit --help` lists them.
import type { Command } from 'commander'
import { register as describe } from './describe.js'

export type RegisterCommand = (program: Command) => void

export const commands: RegisterCommand[] = [describe]
