// One topology as both its run and `streamfit describe` see it. A run first resolves its input
// (defaults applied, derived values such as the transactional id filled in) into settings, and
// the description is written from those same settings: the start log and `describe` print what
// really runs, flags included.
import { validateTopology, type TopologyDescription } from './describe.js'

/** Where a topology's state outside Kafka lives, for its description. */
export interface DescribeContext {
  /** Redis key prefix of the model registry. */
  registryPrefix: string
}

/**
 * An app as data: its defaults (`settings`) and the description of the pipeline a run with those
 * settings executes, so `describe` and the run cannot disagree.
 */
export interface Topology<Input, Settings> {
  /** The app: train, score or online. */
  name: string
  /** `input` with the topology's defaults applied: exactly what a run uses. */
  settings: (input: Input) => Settings
  /** The topology a run with these settings executes. */
  describe: (settings: Settings, context: DescribeContext) => TopologyDescription
}

/** The checked description of a run of `topology` with `input`. */
export function describeRun<I, S> (topology: Topology<I, S>, input: I, context: DescribeContext): TopologyDescription {
  const description = topology.describe(topology.settings(input), context)
  validateTopology(description)
  return description
}

/** Each key of `defaults`, from `input` where given (not undefined) there. Other keys are dropped. */
export function withDefaults<D extends object> (defaults: D, input: { [K in keyof D]?: D[K] | undefined }): D {
  const out = { ...defaults }
  for (const key of Object.keys(defaults) as Array<keyof D>) {
    const value = input[key]
    if (value !== undefined) out[key] = value as D[keyof D]
  }
  return out
}
