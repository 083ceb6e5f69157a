// A model's weight count before any worker builds it: the online learner picks its step by it.
// Optimizer state is not counted.
import type { ModelSpec } from './model.js'
import type { ModelSnapshot } from './protocol.js'

/** Trainable weights of the MLP `spec` describes (68,481 for the tutorial's). */
export function specWeights (spec: ModelSpec): number {
  const embedded = spec.embeddings ?? []
  let width = spec.inputs + embedded.reduce((s, e) => s + e.dim, 0)
  let total = embedded.reduce((s, e) => s + e.categories * e.dim, 0) // bias-free Dense layers
  for (const units of [...spec.hidden, spec.outputs ?? 1]) {
    total += width * units + units
    width = units
  }
  return total
}

/** Weights stored in `snapshot`, its optimizer's state left out. */
export function snapshotWeights (snapshot: Pick<ModelSnapshot, 'weightSpecs'>): number {
  return snapshot.weightSpecs
    .filter(w => w.group !== 'optimizer')
    .reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0)
}
