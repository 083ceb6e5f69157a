// Checks a parsed spec against the schema and against what a schema cannot say (a column that
// the format does not have, two features of one name), and fills in the defaults. Every error
// names its path in the file and how to fix it.
import { Ajv, type ErrorObject } from 'ajv'
import { UsageError } from '../errors.js'
import { specSchema } from './schema.js'
import type { DatasetSpec, FeatureSpec, FieldSource } from './types.js'

const ajv = new Ajv({ allErrors: true, strict: false })
const check = ajv.compile(specSchema)

/** A spec that does not hold: every problem, each as "path: what is wrong; the fix". */
export class SpecError extends UsageError {
  constructor (readonly file: string, readonly problems: string[]) {
    super(`${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`)
    this.name = 'SpecError'
  }
}

/** The spec in `parsed`, defaults filled in; throws SpecError naming every problem. */
export function validateSpec (parsed: unknown, file = 'spec'): DatasetSpec {
  if (!check(parsed)) throw new SpecError(file, explain(check.errors ?? []))
  const spec = withDefaults(parsed as Raw)
  const problems = semanticProblems(spec)
  if (problems.length > 0) throw new SpecError(file, problems)
  return spec
}

// What the schema let through, before defaults: loosely typed on purpose.
type Raw = { [key: string]: any } // eslint-disable-line @typescript-eslint/no-explicit-any

function withDefaults (raw: Raw): DatasetSpec {
  const topics = Object.fromEntries(Object.entries(raw.topics as Raw).map(([k, t]) => [k, { partitions: 1, ...t }]))
  const format = raw.format.type === 'csv' ? { delimiter: ',', quote: '"', ...raw.format } : raw.format
  const features = (raw.features as Raw[]).map(f => ({ onMissing: 'dead-letter', ...(f.type === 'categorical' ? { onUnknown: 'dead-letter' } : {}), ...f, name: f.name ?? sourceName(f.from, raw.format.columns) }) as FeatureSpec)
  const task = raw.task.type === 'binary' ? { classes: ['0', '1'], ...raw.task } : raw.task
  return { ...raw, topics, format, features, task, model: raw.model ?? { type: 'mlp' } } as DatasetSpec
}

function sourceName (from: FieldSource, columns: string[] | undefined): string {
  if ('key' in from) return 'key'
  if ('field' in from) return from.field
  return typeof from.column === 'string' ? from.column : columns?.[from.column] ?? `column${from.column}`
}

function semanticProblems (spec: DatasetSpec): string[] {
  const problems: string[] = []
  const sources: Array<[string, FieldSource]> = [['label', spec.label], ...(spec.id ? [['id', spec.id] as [string, FieldSource]] : []),
    ...spec.features.map((f, i) => [`features[${i}].from`, f.from] as [string, FieldSource])]
  for (const [path, from] of sources) {
    if ('key' in from) {
      if (path.startsWith('features')) problems.push(`${path}: a feature cannot come from the key; name a ${spec.format.type === 'csv' ? 'column' : 'field'}`)
    } else if (spec.format.type === 'json' && 'column' in from) {
      problems.push(`${path}: the format is json, so name a field ({field: "a.b"}), not a column`)
    } else if (spec.format.type === 'csv' && 'field' in from) {
      problems.push(`${path}: the format is csv, so name a column ({column: NAME or INDEX}), not a field`)
    } else if (spec.format.type === 'csv' && 'column' in from && typeof from.column === 'string') {
      const columns = spec.format.columns
      if (columns === undefined) problems.push(`${path}: column "${from.column}" is a name, but format.columns is not given; list the columns there or use a 0-based index`)
      else if (!columns.includes(from.column)) problems.push(`${path}: no column "${from.column}" in format.columns (${columns.join(', ')}); fix the name or add the column`)
    } else if (spec.format.type === 'csv' && 'column' in from && typeof from.column === 'number' && spec.format.columns !== undefined && from.column >= spec.format.columns.length) {
      problems.push(`${path}: column ${from.column} is past the ${spec.format.columns.length} columns of format.columns; indexes start at 0`)
    }
  }
  const seen = new Map<string, number>()
  spec.features.forEach((f, i) => {
    const first = seen.get(f.name)
    if (first !== undefined) problems.push(`features[${i}].name: "${f.name}" is also features[${first}]'s name; give each feature its own name`)
    else seen.set(f.name, i)
  })
  const topics = Object.entries(spec.topics)
  for (const [i, [k, t]] of topics.entries()) {
    const other = topics.slice(0, i).find(([, u]) => u.name === t.name)
    if (other !== undefined) problems.push(`topics.${k}.name: "${t.name}" is also topics.${other[0]}; ${k === 'train' || k === 'test' ? 'train and test need topics of their own' : 'predictions and dead letters need topics of their own'}`)
  }
  if (spec.features.some(f => sameSource(f.from, spec.label))) {
    problems.push('label: a feature reads the same value as the label; remove it from features')
  }
  if (spec.model.type === 'mlp' && spec.model.hidden !== undefined && spec.model.dropout !== undefined && spec.model.hidden.length !== spec.model.dropout.length) {
    problems.push(`model.dropout: ${spec.model.dropout.length} rates for ${spec.model.hidden.length} hidden layers; give one rate per layer`)
  }
  for (const [i, f] of spec.features.entries()) {
    if (f.type === 'numeric' && f.impute !== undefined && f.onMissing !== 'impute') problems.push(`features[${i}].impute: set onMissing: impute too, or remove impute`)
  }
  return problems
}

function sameSource (a: FieldSource, b: FieldSource): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Ajv's errors as "path: problem; fix", the noise of if/then and oneOf branches left out. */
function explain (errors: ErrorObject[]): string[] {
  const useful = errors.filter(e => e.keyword !== 'if' && !(e.keyword === 'oneOf' && errors.some(o => o !== e && o.instancePath === e.instancePath && o.keyword !== 'oneOf')))
  const lines = useful.map(describe)
  return [...new Set(lines)]
}

function describe (e: ErrorObject): string {
  const path = formatPath(e.instancePath) || '(top level)'
  const p = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'additionalProperties': return `${path}: unknown key "${String(p.additionalProperty)}"; remove it or fix its spelling`
    case 'required': return `${path}: "${String(p.missingProperty)}" is missing; add it`
    case 'enum': return `${path}: must be one of ${(p.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`
    case 'const': return `${path}: must be ${JSON.stringify(p.allowedValue)}`
    case 'type': return `${path}: must be ${String(p.type)}`
    case 'oneOf': return `${path}: ${e.parentSchema?.description ?? 'matches none of the allowed forms'}`
    case 'pattern': return `${path}: "${String(e.data)}" has characters a name cannot have; use letters, digits, ".", "_" or "-"`
    default: return `${path}: ${e.message ?? 'is not valid'}`
  }
}

/** "/features/2/from" -> "features[2].from" */
function formatPath (pointer: string): string {
  return pointer.split('/').slice(1).map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, s) => /^\d+$/.test(s) ? `${out}[${s}]` : out === '' ? s : `${out}.${s}`, '')
}
