// What scoring needs from a model: a version name and a batched predict over flat features.
// Implemented by the registry-backed model runner (src/ml) and swapped at batch boundaries.
import type { ResolvedSpec } from '../spec/types.js'

/**
 * What scoring needs of a model: its version, its data set and a batched predict. ModelRunner and
 * HotSwapPredictor implement it.
 */
export interface Predictor {
  /** Registry version that makes the predictions, e.g. "susy@3". Goes into every prediction. */
  readonly version: string
  /** The data set the model reads (a model trained with a spec stores it); absent: the scorer's. */
  readonly spec?: ResolvedSpec
  /** Scores `n` rows laid out row-major in `xs` (n × inputs float32); resolves to n × outputs values. */
  predict (xs: Float32Array, n: number): Promise<Float32Array>
}
