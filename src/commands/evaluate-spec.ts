// `evaluate --spec FILE`: a spec's labelled records (its held-out test topic by default, or
// --topic, or a --data file) decoded as the model was trained to read them (the spec stored with
// the model; the --spec one for a model stored without), scored, and judged by the task's figures.
import { from, lastValueFrom, toArray } from 'rxjs'
import type { Config } from '../config.js'
import { DecodeError, UsageError } from '../errors.js'
import { readTableRecords } from '../data/table-records.js'
import { readTopicRecords } from '../data/topic-rows.js'
import { requireServices } from '../infra/probe.js'
import { parseBackend } from '../ml/backend.js'
import type { ModelShape } from '../ml/protocol.js'
import { evaluateTask } from '../ml/task-metrics.js'
import type { ConsumedRecord } from '../record.js'
import { NO_HEADERS } from '../record.js'
import { openModel } from '../registry/open-model.js'
import { ModelRegistry } from '../registry/registry.js'
import { specDecoder } from '../spec/decoder.js'
import { inputWidth, isResolved, outputUnits, type DatasetSpec, type ResolvedSpec } from '../spec/types.js'
import { evaluationJson, formatEvaluation } from './evaluation-report.js'

export interface SpecEvaluateFlags {
  data?: string
  topic?: string
  model?: string
  backend: string
  batchSize: number
  rows?: number
  json?: boolean
}

/** Runs `evaluate` with a spec and prints its figures. */
export async function evaluateWithSpec (config: Config, spec: DatasetSpec, flags: SpecEvaluateFlags): Promise<void> {
  if (flags.data !== undefined && flags.topic !== undefined) throw new UsageError('give --data or --topic, not both (with --spec and neither, evaluate reads the spec\'s test topic)')
  const limit = flags.rows !== undefined ? { rows: flags.rows } : {}
  const topic = flags.topic ?? spec.topics.test.name
  const source = flags.data ?? `topic ${topic}`
  const records = flags.data !== undefined
    ? fileRecords((await readTableRecords(spec, flags.data, limit)).records)
    : await requireServices(config, { topics: [topic] }).then(() => readTopicRecords(config.kafka, topic, limit))
  if (records.length === 0) throw new UsageError(`${source} holds no records: load the data set first (streamfit load --spec FILE --data FILE)`)

  const ref = flags.model ?? `${spec.name}@latest`
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix: config.registryPrefix })
  let model
  try {
    model = await openModel(registry, ref, { backend: parseBackend(flags.backend) })
  } finally {
    await registry.close()
  }
  const { runner } = model
  try {
    const decodeWith = modelSpecFor(runner.spec, spec, runner.shape, runner.version)
    const { xs, labels, n, skipped } = await decodeAll(decodeWith, records, source)
    const units = outputUnits(decodeWith)
    const width = inputWidth(decodeWith)
    const outputs = new Float32Array(n * units)
    for (let at = 0; at < n; at += flags.batchSize) {
      const rows = Math.min(flags.batchSize, n - at)
      outputs.set(await runner.predict(xs.subarray(at * width, (at + rows) * width), rows), at * units)
    }
    const metrics = evaluateTask(decodeWith.task, outputs, labels, n)
    const by = { model: runner.version, backend: runner.backend, source, skipped }
    const total = Object.values(skipped).reduce((a, b) => a + b, 0)
    if (total > 0) process.stderr.write(`note: left out ${total} record${total === 1 ? '' : 's'} of ${source} that do not decode (${Object.entries(skipped).map(([r, k]) => `${r} ${k}`).join(', ')}): score dead-letters them\n`)
    process.stdout.write(flags.json === true ? JSON.stringify(evaluationJson(metrics, by)) + '\n' : formatEvaluation(metrics, by))
  } finally {
    await runner.close()
  }
}

/**
 * The spec to decode with: the one stored with the model (what it was trained on), else the
 * --spec one, which must then be resolved and fit the model's input and output widths.
 */
export function modelSpecFor (stored: ResolvedSpec | undefined, given: DatasetSpec, shape: ModelShape, version: string): ResolvedSpec {
  if (stored !== undefined) return stored
  if (!isResolved(given)) throw new UsageError(`${version} was stored without a dataset spec, and the --spec one leaves vocabularies or classes to be learnt: list them in the spec`)
  if (inputWidth(given) !== shape.inputs || outputUnits(given) !== shape.outputs) {
    throw new UsageError(`${version} takes ${shape.inputs} inputs and gives ${shape.outputs} outputs, but the spec's features encode to ${inputWidth(given)} and its task has ${outputUnits(given)}: evaluate it with the spec it was trained on`)
  }
  return given
}

interface Decoded { xs: Float32Array, labels: Float64Array, n: number, skipped: Record<string, number> }

/** Every record decoded; those that do not decode (no label, a bad value) are counted per reason and left out. */
async function decodeAll (spec: ResolvedSpec, records: ConsumedRecord[], source: string): Promise<Decoded> {
  const sink = { counts: {}, total: 0, write: () => undefined }
  const decode = specDecoder(spec, { deadLetter: sink })
  const examples = await lastValueFrom(from(records).pipe(decode, toArray())).catch((error: unknown) => {
    throw error instanceof DecodeError ? new UsageError(`${source}: ${error.message}`) : error
  })
  const width = inputWidth(spec)
  const xs = new Float32Array(examples.length * width)
  const labels = new Float64Array(examples.length)
  examples.forEach((e, i) => {
    xs.set(e.features, i * width)
    labels[i] = e.label!
  })
  const skipped = Object.fromEntries(Object.entries(decode.stats.byReason).filter(([, k]) => k > 0))
  if (examples.length === 0) throw new UsageError(`no record of ${source} decodes with ${spec.name}'s spec (${Object.entries(skipped).map(([r, k]) => `${r} ${k}`).join(', ')}): check the spec's format and label`)
  return { xs, labels, n: examples.length, skipped }
}

/** A file's rows as records of a topic named for nothing: the decoder reads only keys and values. */
function fileRecords (rows: Array<{ key: Buffer | null, value: Buffer }>): ConsumedRecord[] {
  return rows.map((r, i) => ({ topic: 'file', partition: 0, offset: BigInt(i), key: r.key, value: r.value, timestamp: 0n, headers: NO_HEADERS }))
}
