// What scoring needs from a model: a version name and a batched predict over flat features.
// Implemented by the registry-backed model runner (src/ml) and swapped at batch boundaries.
export interface Predictor {
  /** Registry version that makes the predictions, e.g. "susy@3". Goes into every prediction. */
  readonly version: string
  /** Scores `n` rows laid out row-major in `xs` (n * 18 float32); resolves to n probabilities. */
  predict (xs: Float32Array, n: number): Promise<Float32Array>
}
