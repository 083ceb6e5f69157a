// The decode and predict steps as `describe` shows them, written once for the three topologies
// that decode records (train, score, online): the name of the operator that runs and one line of
// what it does with the spec's layout.
import type { TopologyStep } from '../src/runtime/describe.js'
import { isSusyLayout } from '../src/spec/decoder.js'
import { isResolved, type DatasetSpec, type FieldSource } from '../src/spec/types.js'

/** SUSY's byte-level decoder runs when there is no spec or it lays records out as SUSY does. */
function susyLayout (spec: DatasetSpec | undefined): spec is undefined {
  return spec === undefined || (isResolved(spec) && isSusyLayout(spec))
}

/** The decode step: `requireLabel` false for a scorer, where a record may come without one. */
export function decodeStep (spec: DatasetSpec | undefined, dlqTopic: string, { requireLabel = true } = {}): TopologyStep {
  const label = requireLabel ? '' : ' (optional: carried into the prediction)'
  const rejects = `records that do not decode go to ${dlqTopic} with their reason`
  if (susyLayout(spec)) {
    return { kind: 'processor', name: 'decodeCsv', sideOutputs: [dlqTopic], detail: `SUSY bytes: label 0/1 from the key${label}, 18 comma-separated numbers; ${rejects}` }
  }
  const format = spec.format.type === 'csv' ? 'CSV' : 'JSON'
  return {
    kind: 'processor',
    name: `decodeRecords(${spec.format.type})`,
    sideOutputs: [dlqTopic],
    detail: `spec ${spec.name}: ${format} values, ${spec.features.length} feature${spec.features.length === 1 ? '' : 's'}, ${spec.task.type} label from ${sourceText(spec.label)}${label}; ${rejects}`
  }
}

/** The scorer's predict step: one model call per batch, one prediction per decoded record. */
export function predictStep (spec: DatasetSpec | undefined, registryPrefix: string): TopologyStep {
  const task = spec?.task.type ?? 'binary'
  const fields = task === 'binary' ? 'score, predicted, label' : task === 'multiclass' ? 'class, probabilities, label' : 'value, label'
  return {
    kind: 'processor',
    name: 'predict',
    stores: [`redis:${registryPrefix}`],
    detail: `one model call per batch with --model's version (@latest follows new saves between batches); a ${task} prediction per record: ${fields}${spec?.id !== undefined ? ', id' : ''}, source, model, scoredAt`
  }
}

function sourceText (source: FieldSource): string {
  return 'key' in source ? 'the key' : 'column' in source ? `column ${String(source.column)}` : `field ${source.field}`
}
