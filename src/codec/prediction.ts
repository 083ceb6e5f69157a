// The prediction record written to the predictions topic: one per scored input record.
// This format is a contract with downstream consumers (documented in the README).
import type { MessageToProduce } from '@platformatic/kafka'
import type { ConsumedRecord } from '../record.js'

/** Header carrying the model version that made the prediction (also in the JSON value). */
export const MODEL_HEADER = 'model'

/** Scores at or above this are predicted as class 1. */
export const DECISION_THRESHOLD = 0.5

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
  /** Registry version of the model, e.g. "susy@3". */
  model: string
  /** ISO-8601 time the batch was scored. */
  scoredAt: string
}

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

/** Parses a prediction record's value; throws with the reason when it is not one. */
export function parsePrediction (value: Buffer | null | undefined): Prediction {
  if (!value) throw new Error('prediction record has no value')
  const p = JSON.parse(value.toString()) as Prediction
  if (typeof p?.source?.topic !== 'string' || !Number.isInteger(p.source.partition) || !Number.isInteger(p.source.offset) ||
    typeof p.score !== 'number' || typeof p.model !== 'string') {
    throw new Error(`not a prediction record: ${value.toString().slice(0, 120)}`)
  }
  return p
}
