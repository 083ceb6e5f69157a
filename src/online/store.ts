// The online trainer's view of the model registry (src/registry): where to resume, the weights
// to continue, and saving a version together with its lineage (the offsets it consumed) in one
// atomic registry save, fenced so that two trainers on one group never both extend a lineage.
import type { ModelSnapshot } from '../ml/protocol.js'
import { maskUrlPassword } from '../config.js'
import { LineageConflictError, RegistryConflictError, redisUnreachable } from '../errors.js'
import { ModelRegistry } from '../registry/registry.js'
import type { VersionInfo } from '../registry/version.js'
import { sameLineage, type OnlineLineage, type ResumePoint } from './lineage.js'

/** Where an {@link OnlineStore} saves: Redis, key prefix and model name. */
export interface OnlineStoreOptions {
  redisUrl: string
  prefix: string
  /** Model name the versions are saved under (scorers of that name hot-swap to them). */
  model: string
}

/** What the online learner records with each version it saves. */
export interface SaveInfo {
  lineage: OnlineLineage
  /** The version whose weights this one continues (null: a new model); `models list` shows it. */
  parent: string | null
  backend: string
  /** Passes over each row (the epochs per mini-batch). */
  epochs: number
  metrics: Record<string, number>
}

/** The lineage stored with a version (in its `info.online`), or null for versions made otherwise. */
export function lineageOf (version: Pick<VersionInfo, 'info'>): OnlineLineage | null {
  const online = version.info?.online
  return typeof online === 'object' && online !== null ? online as OnlineLineage : null
}

/**
 * The online learner's view of the registry: where a run resumes, versions saved with their lineage,
 * and pruning of a lineage's old versions.
 */
export class OnlineStore {
  readonly registry: ModelRegistry
  readonly model: string
  readonly #url: string
  // Rows behind the weights a lineage started from (e.g. a `train` version), counted in `rows`.
  #baseRows = 0

  private constructor (registry: ModelRegistry, model: string, url: string) {
    this.registry = registry
    this.model = model
    this.#url = url
  }

  /** Rows behind the weights the lineage started from (0: it began as a new model); after resumePoint. */
  get baseRows (): number { return this.#baseRows }

  /** Connects to the registry. */
  static async open (options: OnlineStoreOptions): Promise<OnlineStore> {
    return new OnlineStore(await ModelRegistry.connect({ url: options.redisUrl, prefix: options.prefix }), options.model, options.redisUrl)
  }

  /**
   * Where the trainer of `group` starts: its newest version on this incarnation of the topic
   * (weights and offsets), else the model's latest version's weights read from `beginning`, else
   * a new model from `beginning`.
   */
  async resumePoint ({ group, topic, topicId, beginning }: { group: string, topic: string, topicId: string, beginning: bigint[] }): Promise<ResumePoint> {
    const versions = await this.registry.list(this.model)
    for (let i = versions.length - 1; i >= 0; i--) {
      const lineage = lineageOf(versions[i])
      if (sameLineage(lineage, group, topic, topicId)) {
        this.#baseRows = versions[i].rows - lineage.rows
        const positions = lineage.positions.map(p => BigInt(p))
        // Partitions added to the topic since the save start at their beginning.
        for (let p = positions.length; p < beginning.length; p++) positions.push(beginning[p])
        return { version: versions[i].ref, lineage, positions }
      }
    }
    const latest = versions.at(-1)
    this.#baseRows = latest?.rows ?? 0
    return { version: latest?.ref ?? null, lineage: null, positions: [...beginning] }
  }

  /** The weights and metadata of version `ref`. */
  async snapshot (ref: string): Promise<ModelSnapshot> {
    return (await this.registry.load(ref)).snapshot
  }

  /**
   * Saves a version with its lineage and offsets in one atomic registry save. The save is
   * conditional on the model's latest version (registry `ifLatest`): when someone else saved
   * meanwhile, it retries only if that was not a trainer of this lineage (e.g. a `train` run);
   * if it was, this trainer is a zombie and gets a LineageConflictError.
   */
  async save (snapshot: ModelSnapshot, info: SaveInfo): Promise<string> {
    return this.#stopIfUnreachable(() => this.#save(snapshot, info), info.lineage.parent)
  }

  async #save (snapshot: ModelSnapshot, info: SaveInfo): Promise<string> {
    const { lineage } = info
    const offsets = { [lineage.topic]: Object.fromEntries(lineage.positions.map((o, p) => [p, BigInt(o)])) }
    for (let attempt = 0; ; attempt++) {
      const latest = await this.registry.latestVersion(this.model)
      await this.#checkHead(lineage, latest)
      try {
        const saved = await this.registry.save({
          name: this.model,
          snapshot,
          backend: info.backend,
          rows: this.#baseRows + lineage.rows,
          epochs: info.epochs,
          metrics: info.metrics,
          offsets,
          info: { trainer: 'online', parent: info.parent, online: lineage },
          ifLatest: latest
        })
        return saved.ref
      } catch (error) {
        if (!(error instanceof RegistryConflictError) || attempt >= 10) throw error
      }
    }
  }

  /** Throws when a version newer than the lineage's parent belongs to this lineage's group. */
  async #checkHead (lineage: OnlineLineage, latest: number | null): Promise<void> {
    const parent = lineage.parent === null ? 0 : Number(lineage.parent.split('@')[1])
    if (latest === null || latest <= parent) return
    const newer = (await this.registry.list(this.model)).filter(v => v.version > parent)
    const rival = newer.find(v => sameLineage(lineageOf(v), lineage.group, lineage.topic, lineage.topicId))
    if (rival !== undefined) {
      throw new LineageConflictError(`group ${lineage.group}: ${rival.ref} extends this lineage after ${lineage.parent ?? 'its start'}: another online trainer is running on this group; stopping`)
    }
  }

  /**
   * Deletes this lineage's versions older than its newest `keep` (a trainer saving every 30 s
   * would otherwise add ~270 kB to Redis each time, forever). Returns the refs deleted.
   */
  async prune (lineage: Pick<OnlineLineage, 'group' | 'topic' | 'topicId'>, keep: number, newest: string): Promise<string[]> {
    if (!(keep >= 1)) return []
    return this.#stopIfUnreachable(() => this.#prune(lineage, keep), newest)
  }

  async #prune (lineage: Pick<OnlineLineage, 'group' | 'topic' | 'topicId'>, keep: number): Promise<string[]> {
    const ours = (await this.registry.list(this.model)).filter(v => sameLineage(lineageOf(v), lineage.group, lineage.topic, lineage.topicId))
    const old = ours.slice(0, Math.max(0, ours.length - keep)).map(v => v.ref)
    for (const ref of old) await this.registry.delete(ref)
    return old
  }

  /**
   * Runs a registry step; Redis not answering turns its error into the one-line UsageError
   * (exit 2). The trainer stops there: Kafka's offsets were committed only up to `resumeFrom`
   * (commits follow saves), so a rerun once Redis is back resumes from it, losing nothing.
   */
  async #stopIfUnreachable<T> (step: () => Promise<T>, resumeFrom: string | null): Promise<T> {
    try {
      return await step()
    } catch (error) {
      const cause = this.registry.unreachable
      if (cause === null) throw error
      const resume = resumeFrom === null ? 'to start this lineage again (no version of it was saved)' : `to resume from ${resumeFrom}, its last saved version (no Kafka offset past it was committed)`
      throw redisUnreachable(maskUrlPassword(this.#url), cause.message, `then rerun \`streamfit online\` ${resume}`)
    }
  }

  /** Closes the registry connection. */
  async close (): Promise<void> {
    await this.registry.close()
  }
}
