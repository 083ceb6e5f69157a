// A spec as the YAML file `streamfit init` writes: the schema named for editors (the
// yaml-language-server comment), a line of comment on each decision, small maps on one line.
// The `yaml` package writes it (comments on nodes, quoting where YAML needs it).
import { relative, dirname, join } from 'node:path'
import { Document, isMap, isSeq, type Node } from 'yaml'
import { PACKAGE_ROOT } from '../infra/paths.js'
import type { ColumnDecision, Inference } from './infer.js'

/** The JSON Schema file editors validate a spec against (shipped in the package). */
export const SCHEMA_FILE = join(PACKAGE_ROOT, 'specs', 'dataset-spec.schema.json')

export interface WriteContext {
  /** Where the spec goes (the schema path is written relative to it). */
  file: string
  /** The data file it was inferred from, and how many rows were sampled. */
  data: string
  rows: number
}

export function specYaml (inference: Inference, { file, data, rows }: WriteContext): string {
  const { spec, columns, task } = inference
  // Written as YAML 1.1 so that texts 1.1 reads as booleans (no, yes, on, y) come out quoted: the
  // file then means the same to every YAML reader, not only to 1.2 ones such as ours.
  const doc = new Document(spec, { version: '1.1' })
  const schema = relative(dirname(file), SCHEMA_FILE) || SCHEMA_FILE
  doc.commentBefore = [
    ` yaml-language-server: $schema=${schema}`,
    ` Written by \`streamfit init\` from the first ${rows} rows of ${data}: edit it, then`,
    ` \`streamfit load --spec ${file} --data ${data}\`.`
  ].join('\n')
  flowLeaves(doc.contents as Node)
  const note = (path: string[], text: string): void => {
    const node = doc.getIn(path, true) as Node | undefined
    if (node !== undefined) node.comment = ` ${text}`
  }
  const pair = (key: string): { commentBefore?: string } | undefined =>
    isMap(doc.contents) ? doc.contents.items.find(p => (p.key as { value?: unknown })?.value === key)?.key as { commentBefore?: string } | undefined : undefined
  const topics = pair('topics')
  if (topics !== undefined) topics.commentBefore = ' load creates these topics (partitions: Kafka partitions of each)'
  const format = pair('format')
  if (format !== undefined) format.commentBefore = spec.format.type === 'csv' ? ' each record value is one CSV line of these columns' : ' each record value is one JSON object'
  const label = columns.find(c => c.role === 'label')
  if (label !== undefined) note(['label'], `${label.column}: what the model learns to predict`)
  const id = columns.find(c => c.role === 'id')
  if (id !== undefined) note(['id'], `${id.column}: ${id.reason}`)
  const kept = columns.filter(c => c.role === 'feature')
  const features = doc.getIn(['features'], true)
  if (isSeq(features)) {
    features.items.forEach((item, i) => { (item as Node).commentBefore = ` ${kept[i]!.column}: ${kept[i]!.type}, ${kept[i]!.reason}` })
    const dropped = columns.filter(c => c.role === 'dropped')
    if (dropped.length > 0) features.comment = ['left out (add them back as features if they should count):', ...dropped.map(d => `  ${d.column}: ${d.reason}`)].map(l => ` ${l}`).join('\n')
  }
  const taskKey = pair('task')
  if (taskKey !== undefined) taskKey.commentBefore = ` ${task.reason}`
  const model = pair('model')
  if (model !== undefined) model.commentBefore = ' the MLP train will fit (its defaults, written out): edit hidden, dropout, learningRate, epochs, batchSize, or add l2; train\'s flags still win'
  return doc.toString({ lineWidth: 0 })
}

/** Maps and lists of scalars only (a source, a topic, a vocabulary) print on one line. */
function flowLeaves (node: Node): void {
  if (isMap(node) || isSeq(node)) {
    const children = isMap(node) ? node.items.map(p => p.value as Node) : node.items as Node[]
    if (children.every(c => !isMap(c) && !isSeq(c))) { node.flow = true; return }
    for (const child of children) flowLeaves(child)
  }
}

/** The decision as one printed line, aligned on the column name. */
export function decisionLine (d: ColumnDecision, width: number): string {
  const name = d.column.padEnd(width)
  switch (d.role) {
    case 'feature': return `  ${name}  kept as ${d.type === 'categorical' ? `categorical (${d.values} values)` : d.type}: ${d.reason}`
    case 'id': return `  ${name}  id: ${d.reason}`
    case 'label': return `  ${name}  label: ${d.reason}`
    case 'dropped': return `  ${name}  dropped: ${d.reason}`
  }
}
