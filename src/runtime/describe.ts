// What a topology is, as data: its sources, operators and sinks in pipeline order, the topics
// and stores they touch, and its processing guarantee. Each file in topologies/ exports a
// `Topology` (runtime/topology.ts) whose `describe(settings)` writes it from the settings a run
// uses; `streamfit describe <app>` and the app runner's start log both print it, the way Kafka
// Streams' Topology.describe() does.
//
//   describe: (s, { registryPrefix }) => ({
//     name: 'score',
//     guarantee: s.guarantee,
//     steps: [
//       { kind: 'source', name: 'fromGroup', topics: [s.topic], detail: `group ${s.groupId}` },
//       { kind: 'processor', name: 'decodeCsv', sideOutputs: [s.dlqTopic], detail: 'SUSY bytes, ...' },
//       { kind: 'sink', name: 'transactionalSink', topics: [s.predictionsTopic], detail: 'one transaction per ...' }
//     ]
//   })

/** The processing guarantee a topology gives its output, as `describe` prints it. */
export type Guarantee = 'exactly-once' | 'at-least-once' | 'at-most-once' | 'none'

/** One source, processor or sink of a topology, in pipeline order. */
export interface TopologyStep {
  kind: 'source' | 'processor' | 'sink'
  /** The function that implements the step (fromGroup, decodeCsv, batch, ...). */
  name: string
  /** Topics read (source) or written (sink). */
  topics?: string[]
  /** State outside Kafka the step reads or writes, e.g. "redis:streamfit:models". */
  stores?: string[]
  /** Topics this step also writes to off the main line, e.g. the dead-letter topic. */
  sideOutputs?: string[]
  /** One line of settings: "group score, read_committed, stream timeout 10000 ms". Every step has one. */
  detail: string
}

/**
 * A topology as data (sources, processors, sinks, topics, stores, guarantee): what `streamfit
 * describe` and an app's start log print.
 */
export interface TopologyDescription {
  /** The app: train, score or online. */
  name: string
  /** One sentence on what the app does. */
  summary?: string
  guarantee: Guarantee
  /** Why the guarantee holds (or what it covers), printed under it. */
  guaranteeDetail?: string
  /** In pipeline order: one source first, one or more sinks last. */
  steps: TopologyStep[]
}

/** Signature a topology file exports as `describe`. */
export type DescribeTopology<C = unknown> = (config: C) => TopologyDescription

/** Throws when the description is not a source-to-sink chain; catches drift in topology files. */
export function validateTopology (description: TopologyDescription): void {
  const { name, steps } = description
  if (steps.length < 2) throw new Error(`topology ${name}: needs at least a source and a sink`)
  if (steps[0].kind !== 'source') throw new Error(`topology ${name}: the first step must be a source, got ${steps[0].kind} ${steps[0].name}`)
  if (steps[steps.length - 1].kind !== 'sink') throw new Error(`topology ${name}: the last step must be a sink`)
  for (const step of steps) {
    if (typeof step.detail !== 'string' || step.detail.trim() === '') throw new Error(`topology ${name}: step ${step.name} has no detail`)
  }
  for (const step of steps.slice(1)) {
    if (step.kind === 'source') throw new Error(`topology ${name}: only the first step may be a source (${step.name})`)
  }
}

interface Node {
  id: string
  label: string
  step: TopologyStep
  sideSinks: Array<{ id: string; topic: string }>
}

/**
 * Kafka Streams-style text:
 *
 *   Topology: score
 *     Guarantee: exactly-once
 *     Sub-topology: 0
 *       Source: SOURCE-0 fromGroup (topics: [susy-test])
 *         --> PROCESSOR-1
 *       Processor: PROCESSOR-1 decodeCsv
 *         --> SINK-2, SINK-1-DLQ-0
 *         <-- SOURCE-0
 *       ...
 */
export function formatTopology (description: TopologyDescription): string {
  validateTopology(description)
  const nodes: Node[] = description.steps.map((step, i) => {
    const id = `${step.kind.toUpperCase()}-${i}`
    return {
      id,
      label: step.name,
      step,
      sideSinks: (step.sideOutputs ?? []).map((topic, j) => ({ id: `${id}-SIDE-${j}`, topic }))
    }
  })
  const lines: string[] = [`Topology: ${description.name}`]
  if (description.summary) lines.push(`  ${description.summary}`)
  lines.push(`  Guarantee: ${description.guarantee}${description.guaranteeDetail ? ` (${description.guaranteeDetail})` : ''}`)
  lines.push('  Sub-topology: 0')
  nodes.forEach((node, i) => {
    const next = nodes[i + 1]
    const prev = nodes[i - 1]
    const { step } = node
    const attrs: string[] = []
    if (step.topics?.length) attrs.push(`topics: [${step.topics.join(', ')}]`)
    if (step.kind === 'processor' || step.stores?.length) attrs.push(`stores: [${(step.stores ?? []).join(', ')}]`)
    const kind = step.kind === 'source' ? 'Source' : step.kind === 'sink' ? 'Sink' : 'Processor'
    lines.push(`    ${kind}: ${node.id} ${node.label}${attrs.length ? ` (${attrs.join(', ')})` : ''}`)
    lines.push(`      # ${step.detail}`)
    const downstream = [...(next ? [next.id] : []), ...node.sideSinks.map(s => s.id)]
    if (downstream.length) lines.push(`      --> ${downstream.join(', ')}`)
    if (prev) lines.push(`      <-- ${prev.id}`)
    for (const side of node.sideSinks) {
      lines.push(`    Sink: ${side.id} (topic: ${side.topic})`)
      lines.push(`      <-- ${node.id}`)
    }
  })
  return lines.join('\n') + '\n'
}

/** "stream timeout 10000 ms", or "runs until stopped" for -1. */
export function streamTimeoutDetail (ms: number): string {
  return ms < 0 ? 'runs until stopped' : `stream timeout ${ms} ms`
}

/** Every topic a topology reads and writes, for docs and deployment checks. */
export function topologyTopics (description: TopologyDescription): { reads: string[]; writes: string[] } {
  const reads = new Set<string>()
  const writes = new Set<string>()
  for (const step of description.steps) {
    for (const t of step.topics ?? []) (step.kind === 'source' ? reads : writes).add(t)
    for (const t of step.sideOutputs ?? []) writes.add(t)
  }
  return { reads: [...reads], writes: [...writes] }
}
