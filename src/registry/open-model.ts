// A stored version, ready to predict: loads it from the registry into a worker-backed runner.
import type { BackendPreference } from '../ml/backend.js'
import { ModelRunner } from '../ml/runner.js'
import type { ModelRegistry } from './registry.js'
import type { VersionInfo } from './version.js'

/** Loads `ref` ("susy@latest", "susy@3") into a new ModelRunner whose `version` names it. */
export async function openModel (registry: ModelRegistry, ref: string, options: { backend?: BackendPreference } = {}): Promise<{ runner: ModelRunner; info: VersionInfo }> {
  const stored = await registry.load(ref)
  const { snapshot, ...info } = stored
  const runner = await ModelRunner.create({ backend: options.backend, snapshot, version: stored.ref })
  return { runner, info }
}
