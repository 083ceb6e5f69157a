// Prediction messages for every task of the dataset spec. A binary batch without ids goes to
// predictionMessages (prediction-batch.ts), so SUSY's bytes stay exactly what they always were;
// everything else is written here, field by field in the documented order:
//   binary with an id  {"source":…,"score":…,"predicted":…,"label":…,"id":…,"model":…,"scoredAt":…}
//   multiclass         {"source":…,"class":…,"probabilities":{…},"label":…,"id":…?,"model":…,"scoredAt":…}
//   regression         {"source":…,"value":…,"label":…,"id":…?,"model":…,"scoredAt":…}
// Numbers are the float32 outputs as doubles in JavaScript's shortest form (as "score" always
// was); a value that is not finite is null, as JSON.stringify writes it. The text is built here
// rather than by JSON.stringify of an object because an object puts integer-like keys ("2",
// "10") first in numeric order, and the probabilities must follow the spec's class order.
import type { MessageToProduce } from '@platformatic/kafka'
import { argmax } from '../ml/task-tallies.js'
import type { ConsumedRecord } from '../record.js'
import type { ResolvedSpec } from '../spec/types.js'
import { DECISION_THRESHOLD, modelHeaders } from './prediction.js'
import { predictionMessages, type Scored } from './prediction-batch.js'

/** What one prediction needs from its input: the record, its label (0/1, class index or value), its id. */
export interface TaskScored {
  record: ConsumedRecord
  label: number | null
  /** Present (a string, or null when the record has none) when the spec names an id field; written as "id". */
  id?: string | null
}

/**
 * The prediction messages of `examples[i]` with the outputs of row i (`outputs` is n × units,
 * row-major: binary the probability of class 1, multiclass the class probabilities, regression
 * the value), keyed like their inputs, with the model header.
 */
export function taskPredictionMessages (topic: string, task: ResolvedSpec['task'], examples: readonly TaskScored[], outputs: ArrayLike<number>, model: string, scoredAt: string): MessageToProduce[] {
  const units = task.type === 'multiclass' ? task.classes.length : 1
  if (outputs.length < examples.length * units) throw new RangeError(`${examples.length} predictions need ${examples.length * units} outputs, got ${outputs.length}`)
  if (task.type === 'binary' && examples.every(e => e.id === undefined)) {
    return predictionMessages(topic, examples as readonly Scored[], outputs, model, scoredAt)
  }
  const body = task.type === 'binary' ? binaryBody : task.type === 'regression' ? regressionBody : multiclassBody(task.classes)
  const tail = `,"model":${JSON.stringify(model)},"scoredAt":${JSON.stringify(scoredAt)}}`
  const texts = examples.map((e, i) => {
    const { record } = e
    const id = e.id === undefined ? '' : `,"id":${e.id === null ? 'null' : JSON.stringify(e.id)}`
    return `${sourceHead(record)}${Number(record.offset)}}${body(outputs, i, e.label)}${id}${tail}`
  })
  // One buffer per batch, each value a view of it (as predictionMessages does), encoded by one
  // call: a write per record into C++ cost more than building the text.
  const out = Buffer.from(texts.join(''))
  const ascii = out.length === texts.reduce((chars, t) => chars + t.length, 0) // then bytes = characters
  const headers = modelHeaders(model)
  let at = 0
  return texts.map((t, i) => {
    const start = at
    at += ascii ? t.length : Buffer.byteLength(t)
    return { topic, key: examples[i]!.record.key ?? undefined, value: out.subarray(start, at), headers }
  })
}

type Body = (outputs: ArrayLike<number>, row: number, label: number | null) => string

const binaryBody: Body = (outputs, row, label) => {
  if (label !== null && label !== 0 && label !== 1) throw new RangeError(`binary label ${label} of row ${row} is not 0 or 1`)
  const score = outputs[row]!
  return `,"score":${num(score)},"predicted":${score >= DECISION_THRESHOLD ? 1 : 0},"label":${label === null ? 'null' : label}`
}

const regressionBody: Body = (outputs, row, label) =>
  `,"value":${num(outputs[row]!)},"label":${label === null ? 'null' : num(label)}`

function multiclassBody (classes: readonly string[]): Body {
  const names = classes.map(c => JSON.stringify(c))
  const keys = names.map((name, k) => `${k === 0 ? '' : ','}${name}:`)
  const units = classes.length
  return (outputs, row, label) => {
    if (label !== null && !(Number.isInteger(label) && label >= 0 && label < units)) {
      throw new RangeError(`label ${label} of row ${row} is not a class index below ${units}`)
    }
    let probabilities = ''
    for (let k = 0; k < units; k++) probabilities += keys[k]! + num(outputs[row * units + k]!)
    return `,"class":${names[argmax(outputs, row, units)]!},"probabilities":{${probabilities}},"label":${label === null ? 'null' : names[label]!}`
  }
}

/** A number as JSON.stringify writes it: shortest round-trip form, null when not finite. */
function num (x: number): string {
  return Number.isFinite(x) ? String(x) : 'null'
}

// `{"source":{"topic":T,"partition":P,"offset":` per topic and partition (a batch has a few).
const heads = new Map<string, string>()
function sourceHead (record: ConsumedRecord): string {
  const key = `${record.partition}/${record.topic}`
  let head = heads.get(key)
  if (head === undefined) {
    if (heads.size > 10_000) heads.clear()
    heads.set(key, head = `{"source":{"topic":${JSON.stringify(record.topic)},"partition":${record.partition},"offset":`)
  }
  return head
}
