// Flags that several commands take, declared once, each with its default from the topology's
// defaults (passed in) so that `--help` shows what a run really uses.
import type { Command } from 'commander'
import type { Config } from '../config.js'
import { DEFAULT_BACKEND } from '../ml/backend.js'
import type { Topology } from '../runtime/topology.js'

/** What a command module of an app (train, score, online) exports for `streamfit describe`. */
export interface AppCommandModule<Flags = Record<string, unknown>, Input = unknown> {
  /** Adds every flag of the app (those that shape its topology and the rest) to `command`. */
  declareFlags: (command: Command) => Command
  /** The topology input the parsed flags give. */
  topologyInput: (flags: Flags, config: Config) => Input
  topology: Topology<Input, unknown>
}

export function groupFlag (command: Command, description: string, defaultGroup: string): Command {
  return command.option('--group <id>', description, defaultGroup)
}

export function streamTimeoutFlag (command: Command, defaultMs: number): Command {
  return command.option('--stream-timeout <ms>', 'stop after this many ms without a new record; -1 runs forever', String(defaultMs))
}

export function sessionTimeoutFlag (command: Command, why: string, defaultMs: number): Command {
  return command.option('--session-timeout <ms>', `group session timeout: ${why}`, String(defaultMs))
}

export function backendFlag (command: Command, defaultBackend: string = DEFAULT_BACKEND): Command {
  return command.option('--backend <name>', 'compute backend for the model: auto, gpu, node, wasm or cpu', defaultBackend)
}

export function seedFlag (command: Command): Command {
  return command.option('--seed <n>', 'seed for initial weights, dropout and shuffles (reproducible runs)')
}
