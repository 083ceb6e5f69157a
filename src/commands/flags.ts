// Flags that several commands take, declared once, each with its default from the topology's
// defaults (passed in) so that `--help` shows what a run really uses.
import type { Command } from 'commander'
import { loadConfig, type Config } from '../config.js'
import { DEFAULT_BACKEND } from '../ml/backend.js'
import { appOptions, withAppOptions, type AppOptions } from '../runtime/app.js'
import { describeRun, type Topology } from '../runtime/topology.js'
import { specFor, withSpecTopics } from '../spec/load-spec.js'
import type { DatasetSpec } from '../spec/types.js'

/** What a command module of an app (train, score, online) exports for `streamfit describe`. */
export interface AppCommandModule<Flags = Record<string, unknown>, Input = unknown, Settings = unknown> {
  /** Adds every flag of the app (those that shape its topology and the rest) to `command`. */
  declareFlags: (command: Command) => Command
  /** The topology input the parsed flags give (config's topics are the spec's). */
  topologyInput: (flags: Flags, config: Config, spec: DatasetSpec) => Input
  topology: Topology<Input, Settings>
}

/** What an app's action starts from: its flags, the config, and the settings its topology runs with. */
export interface AppInvocation<Flags, Settings> {
  flags: Flags
  config: Config
  settings: Settings
  /** For runApp: metrics, logging and the start log's description of exactly these settings. */
  app: AppOptions
}

/**
 * Registers an app command (train, score, online): its flags and the app runner's, parsed into
 * the topology's settings the same way `streamfit describe` parses them, before `action` runs.
 */
export function registerApp<Flags extends Parameters<typeof appOptions>[0], Input, Settings> (
  program: Command, description: string, module: AppCommandModule<Flags, Input, Settings>,
  action: (run: AppInvocation<Flags, Settings>) => Promise<void>
): void {
  const command = module.declareFlags(program.command(module.topology.name).description(description))
  withAppOptions(command).action(async (flags: Flags) => {
    const { config, spec } = await specConfig((flags as { spec?: string }).spec)
    const input = module.topologyInput(flags, config, spec)
    const settings = module.topology.settings(input)
    await action({ flags, config, settings, app: { ...appOptions(flags), config, topology: describeRun(module.topology, input, config) } })
  })
}

/** The configuration and the dataset spec of a command: the --spec file's, or SUSY's, whose topics the config then names. */
export async function specConfig (file: string | undefined, base: Config = loadConfig()): Promise<{ config: Config, spec: DatasetSpec }> {
  const spec = await specFor(file, base)
  return { config: withSpecTopics(base, spec), spec }
}

export function specFlag (command: Command): Command {
  return command.option('--spec <file>', 'dataset spec (YAML or JSON, written by `streamfit init`): topics, record format, features, task; default: the SUSY tutorial\'s')
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

export function backendFlag (command: Command, defaultBackend: string = DEFAULT_BACKEND, auto = 'the first that loads of gpu, node, wasm, cpu'): Command {
  return command.option('--backend <name>', `compute backend for the model: auto (${auto}), gpu, node, wasm or cpu`, defaultBackend)
}

export function seedFlag (command: Command): Command {
  return command.option('--seed <n>', 'seed for initial weights, dropout and shuffles (reproducible runs)')
}
