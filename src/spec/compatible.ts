// Whether a model trained on one spec can read the records another spec describes: the same
// format, label, features (by name, type and source) and task. Topics, vocabularies learnt and
// the model section may differ.
import type { DatasetSpec } from './types.js'

/** Why a model trained on `trained` cannot score the records `given` describes, or null when it can. */
export function layoutMismatch (given: DatasetSpec, trained: DatasetSpec): string | null {
  if (given.format.type !== trained.format.type) return `the records are ${given.format.type}, the model read ${trained.format.type}`
  if (JSON.stringify(given.label) !== JSON.stringify(trained.label)) return `the label comes from ${JSON.stringify(given.label)}, the model learnt it from ${JSON.stringify(trained.label)}`
  if (given.task.type !== trained.task.type) return `the task is ${given.task.type}, the model's is ${trained.task.type}`
  const shape = (s: DatasetSpec): string[] => s.features.map(f => `${f.name}:${f.type}:${JSON.stringify(f.from)}`)
  const a = shape(given)
  const b = shape(trained)
  if (a.join('|') !== b.join('|')) return `the features are ${given.features.map(f => f.name).join(', ')}; the model's are ${trained.features.map(f => f.name).join(', ')}`
  return null
}
