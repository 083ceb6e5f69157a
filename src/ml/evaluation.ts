// Binary classification metrics from scores and labels, computed in plain JS (no tensors).

/** Figures of a binary classifier on labelled rows. */
export interface BinaryMetrics {
  rows: number
  accuracy: number
  /** Area under the ROC curve by the rank statistic (Mann-Whitney U), ties given average ranks. */
  auc: number
  /** Mean binary cross-entropy of the probabilities. */
  loss: number
}

/** `scores` are probabilities of class 1; `labels` are 0 or 1. */
export function binaryMetrics (scores: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): BinaryMetrics {
  const n = scores.length
  if (labels.length !== n) throw new Error(`binaryMetrics: ${n} scores but ${labels.length} labels`)
  if (n === 0) return { rows: 0, accuracy: NaN, auc: NaN, loss: NaN }
  let correct = 0
  let loss = 0
  const eps = 1e-7
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - eps, Math.max(eps, scores[i]))
    const y = labels[i]
    if ((scores[i] >= threshold ? 1 : 0) === y) correct++
    loss -= y === 1 ? Math.log(p) : Math.log(1 - p)
  }
  return { rows: n, accuracy: correct / n, auc: rocAuc(scores, labels), loss: loss / n }
}

/**
 * Area under the ROC curve of `scores` against 0/1 `labels`, by the rank statistic (ties get average
 * ranks); NaN when a class is missing.
 */
export function rocAuc (scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b])
  let positives = 0
  let rankSum = 0
  for (let i = 0; i < n;) {
    let j = i
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++
    const rank = (i + j) / 2 + 1 // average 1-based rank of the tie group
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] === 1) { positives++; rankSum += rank }
    }
    i = j + 1
  }
  const negatives = n - positives
  if (positives === 0 || negatives === 0) return NaN
  return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
}

/** What a reader of the predictions topic finds: how good they are, and whether any input was scored twice. */
export interface PredictionQuality {
  predictions: number
  distinctInputs: number
  duplicates: number
  accuracy: number
  auc: number
  models: string[]
}

/** The fields of a prediction record (codec/prediction.ts) that judging it needs. */
export interface JudgedPrediction {
  source: { topic: string, partition: number, offset: number }
  score: number
  label: 0 | 1 | null
  model: string
}

/**
 * Scores the predictions made by `model` (all when undefined) against the labels they carry,
 * and counts inputs predicted more than once (an exactly-once scorer makes none).
 */
export function predictionQuality (predictions: Iterable<JudgedPrediction>, model?: string): PredictionQuality {
  const scores: number[] = []
  const labels: number[] = []
  const seen = new Set<string>()
  const models = new Set<string>()
  let count = 0
  let duplicates = 0
  for (const p of predictions) {
    if (model !== undefined && p.model !== model) continue
    count++
    models.add(p.model)
    const id = `${p.source.topic}/${p.source.partition}/${p.source.offset}`
    if (seen.has(id)) duplicates++
    else seen.add(id)
    if (p.label !== null) { scores.push(p.score); labels.push(p.label) }
  }
  const m = binaryMetrics(scores, labels)
  return { predictions: count, distinctInputs: seen.size, duplicates, accuracy: m.accuracy, auc: m.auc, models: [...models] }
}
