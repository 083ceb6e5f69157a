// The prediction record written to the predictions topic: one per scored input record.
// This format is a contract with downstream consumers (documented in docs/topics.md).
import type { MessageToProduce } from '@platformatic/kafka'
import type { ConsumedRecord } from '../record.js'

/** Header carrying the model version that made the prediction (also in the JSON value). */
export const MODEL_HEADER = 'model'

/** Scores at or above this are predicted as class 1. */
export const DECISION_THRESHOLD = 0.5

/** The input record a prediction is of. */
export interface PredictionSource {
  topic: string
  partition: number
  offset: number
}

/** The JSON value of a prediction record. Key = the input record's key. */
export interface Prediction {
  /** Where the scored input lives: together these identify it uniquely. */
  source: PredictionSource
  /** Probability of class 1 from the model. */
  score: number
  predicted: 0 | 1
  /** The input's label when it had one (SUSY test rows do), else null. */
  label: 0 | 1 | null
  /** The input's id, when the dataset spec names an id field (written after label). */
  id?: string | null
  /** Registry version of the model, e.g. "susy@3". */
  model: string
  /** ISO-8601 time the batch was scored. */
  scoredAt: string
}

/** A binary prediction: the SUSY demo's and every spec's with task binary. */
export type BinaryPrediction = Prediction

/** A multiclass prediction: the most probable class and each class's probability. */
export interface MulticlassPrediction {
  source: PredictionSource
  /** The class with the highest probability (ties: the first in the spec's class order). */
  class: string
  /** Each class's probability, keyed by class name, written in the spec's class order (null if not finite). */
  probabilities: Record<string, number | null>
  /** The input's class, when it had one. */
  label: string | null
  id?: string | null
  model: string
  scoredAt: string
}

/** A regression prediction: the model's value. */
export interface RegressionPrediction {
  source: PredictionSource
  /** The predicted value (null if not finite). */
  value: number | null
  label: number | null
  id?: string | null
  model: string
  scoredAt: string
}

/** A prediction of any task; predictionTask tells which. */
export type TaskPrediction = BinaryPrediction | MulticlassPrediction | RegressionPrediction

/** The task a prediction is of. */
export type PredictionTask = 'binary' | 'multiclass' | 'regression'

/** The task of a prediction, from its fields ("score", "class" or "value"). */
export function predictionTask (p: TaskPrediction): PredictionTask {
  return 'score' in p ? 'binary' : 'class' in p ? 'multiclass' : 'regression'
}

/** The binary {@link Prediction} of `record`. */
export function toPrediction (record: ConsumedRecord, score: number, label: 0 | 1 | null, model: string, scoredAt: string): Prediction {
  return {
    source: { topic: record.topic, partition: record.partition, offset: Number(record.offset) },
    score,
    predicted: score >= DECISION_THRESHOLD ? 1 : 0,
    label,
    model,
    scoredAt
  }
}

/**
 * The Kafka message for one prediction: keyed like its input so keys keep their partitions.
 * The scorer writes whole batches with predictionMessages (prediction-batch.ts), byte for byte the same.
 */
export function toPredictionMessage (topic: string, record: ConsumedRecord, prediction: Prediction): MessageToProduce {
  return {
    topic,
    key: record.key ?? undefined,
    value: Buffer.from(JSON.stringify(prediction)),
    headers: modelHeaders(prediction.model)
  }
}

const MODEL_HEADER_BYTES = Buffer.from(MODEL_HEADER)
// Every prediction of a batch carries the same header: share one read-only map per version
// instead of allocating a map and two buffers per record in the scoring hot path.
let lastHeaders: { model: string, headers: Map<Buffer, Buffer> } | undefined

/** The headers of a prediction made by `model` (one shared map per model version). */
export function modelHeaders (model: string): Map<Buffer, Buffer> {
  if (lastHeaders?.model !== model) lastHeaders = { model, headers: new Map([[MODEL_HEADER_BYTES, Buffer.from(model)]]) }
  return lastHeaders.headers
}

/**
 * Parses a prediction record's value; throws with the reason when it is not one. Without `task`
 * it reads a binary prediction, as it always has; `"any"` reads any task's (see predictionTask).
 */
export function parsePrediction (value: Buffer | null | undefined, task?: 'binary'): BinaryPrediction
export function parsePrediction (value: Buffer | null | undefined, task: 'multiclass'): MulticlassPrediction
export function parsePrediction (value: Buffer | null | undefined, task: 'regression'): RegressionPrediction
export function parsePrediction (value: Buffer | null | undefined, task: 'any'): TaskPrediction
export function parsePrediction (value: Buffer | null | undefined, task: PredictionTask | 'any' = 'binary'): TaskPrediction {
  if (!value) throw new Error('prediction record has no value')
  const p = JSON.parse(value.toString()) as Record<string, unknown> & TaskPrediction
  const shape = p !== null && typeof p === 'object' ? ('score' in p ? 'binary' : 'class' in p ? 'multiclass' : 'value' in p ? 'regression' : undefined) : undefined
  const ok = typeof p?.source?.topic === 'string' && Number.isInteger(p.source.partition) && Number.isInteger(p.source.offset) &&
    typeof p.model === 'string' && (p.id === undefined || p.id === null || typeof p.id === 'string') &&
    shape !== undefined && SHAPES[shape](p)
  if (!ok) throw new Error(`not a prediction record: ${value.toString().slice(0, 120)}`)
  if (task !== 'any' && shape !== task) throw new Error(`a ${shape} prediction where a ${task} one was expected: ${value.toString().slice(0, 120)}`)
  return p
}

const numberOrNull = (v: unknown): boolean => v === null || typeof v === 'number'
const stringOrNull = (v: unknown): boolean => v === null || typeof v === 'string'

/** Each task's own fields (the binary check is the one parsePrediction always made). */
const SHAPES: Record<PredictionTask, (p: Record<string, unknown>) => boolean> = {
  binary: p => typeof p.score === 'number',
  multiclass: p => typeof p.class === 'string' && stringOrNull(p.label) && p.probabilities !== null && typeof p.probabilities === 'object' &&
    !Array.isArray(p.probabilities) && Object.values(p.probabilities).every(numberOrNull),
  regression: p => numberOrNull(p.value) && numberOrNull(p.label)
}
