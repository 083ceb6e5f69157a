// Hot swap for scorers: follows the registry's announcements of new versions and switches model
// at a batch boundary, never inside a batch, so every prediction names the version that made it.
//
// Blue/green: the new version is loaded into a standby worker in the background while the active
// one keeps scoring; the switch itself is a pointer swap in `current()`, with no pause.
import type { BackendPreference } from '../ml/backend.js'
import type { Predictor } from '../ml/predictor.js'
import { ModelRunner } from '../ml/runner.js'
import type { ModelRegistry } from './registry.js'
import type { Announcement } from './version.js'
import { formatModelRef, parseModelRef } from './refs.js'
import type { Logger } from '../runtime/logger.js'

/** Settings of {@link HotSwapPredictor}: the registry, the model reference to follow, and compute. */
export interface HotSwapOptions {
  registry: ModelRegistry
  /** "susy@latest" (default) follows new versions; "susy@3" pins one version (no swapping). */
  model?: string
  backend?: BackendPreference
  /** TensorFlow's threads per operation on the native backend (ModelRunnerOptions.computeThreads). */
  computeThreads?: number
  logger?: Logger
  /** Called when a loaded version becomes the active one (at a batch boundary). */
  onSwap?: (from: string, to: string) => void
}

interface Slot { runner: ModelRunner, predictor: Predictor }

/**
 * A model that follows the registry. Give `current` to the scorer, which calls it once per batch:
 *
 * ```ts
 * const model = await HotSwapPredictor.start({ registry, model: 'susy@latest' })
 * await runScore({ ..., predictor: model.current })   // each batch: the newest loaded version
 * await model.close()
 * ```
 */
export class HotSwapPredictor {
  readonly name: string
  readonly following: boolean
  readonly #options: HotSwapOptions
  #active: Slot
  #standby: ModelRunner | null = null
  // A version loaded into the standby worker, waiting for the next batch boundary.
  #ready: Slot | null = null
  #wanted = 0
  #loading: Promise<void> | null = null
  #stopWatching: (() => Promise<void>) | null = null
  #closed = false
  #swaps = 0

  private constructor (options: HotSwapOptions, name: string, following: boolean, active: Slot) {
    this.#options = options
    this.name = name
    this.following = following
    this.#active = active
  }

  /** Loads the requested version and, for `@latest`, starts following announcements (deletions too). */
  static async start (options: HotSwapOptions): Promise<HotSwapPredictor> {
    const ref = parseModelRef(options.model ?? 'susy@latest')
    const following = ref.version === 'latest'
    const stored = await options.registry.load(formatRef(ref.name, ref.version))
    const runner = await ModelRunner.create({ backend: options.backend, computeThreads: options.computeThreads, snapshot: stored.snapshot, version: stored.ref })
    const model = new HotSwapPredictor(options, ref.name, following, slot(runner, stored.ref))
    if (following) {
      model.#wanted = stored.version
      model.#stopWatching = await options.registry.watch(a => model.#announced(a), { name: ref.name })
      // A version saved between the load and the subscription would otherwise be missed.
      const latest = await options.registry.latestVersion(ref.name)
      if (latest !== null && latest > stored.version) model.#want(latest)
    }
    return model
  }

  /**
   * The predictor for the next batch: switches to the newest version loaded so far, if any.
   * Call it once per batch and use the returned predictor for the whole batch.
   */
  readonly current = (): Predictor => {
    const ready = this.#ready
    if (ready !== null) {
      this.#ready = null
      const from = this.#active.predictor.version
      // The old worker becomes the standby; a load sent to it runs after any predict in flight.
      this.#standby = this.#active.runner
      this.#active = ready
      this.#swaps++
      this.#options.logger?.info({ from, to: ready.predictor.version }, `model swapped: ${from} -> ${ready.predictor.version}`)
      this.#options.onSwap?.(from, ready.predictor.version)
    }
    return this.#active.predictor
  }

  /** The version currently scoring. */
  get version (): string {
    return this.#active.predictor.version
  }

  /** The backend the active model computes on. */
  get backend (): string {
    return this.#active.runner.backend
  }

  /** The newest version loaded: active, or waiting for the next batch boundary. */
  get loaded (): string {
    return (this.#ready ?? this.#active).predictor.version
  }

  /** Versions switched to since start. */
  get swaps (): number {
    return this.#swaps
  }

  /** Resolves once every announced version has been loaded (and waits at the next boundary). */
  async settled (): Promise<void> {
    while (this.#loading !== null) await this.#loading
  }

  /** Stops following the registry and closes the model runners it holds. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#stopWatching?.()
    await this.#loading?.catch(() => {})
    await Promise.all([this.#active.runner.close(), this.#standby?.close(), this.#ready?.runner.close()])
  }

  #announced (a: Announcement): void {
    if (a.event === 'saved') this.#want(a.version)
    else if (a.event === 'deleted' && this.following && a.version >= this.#wanted) void this.#followRollback(a.ref)
  }

  // `models delete` of the latest version moves the registry's latest back: a scorer following
  // latest follows it backwards too, so no prediction is stamped with a deleted version.
  async #followRollback (deleted: string): Promise<void> {
    try {
      const latest = await this.#options.registry.latestVersion(this.name)
      if (this.#closed || (latest !== null && latest >= this.#wanted)) return
      if (latest === null) {
        this.#options.logger?.warn({ deleted }, `${deleted} was deleted and no version of ${this.name} is left: still scoring with ${this.loaded}`)
        return
      }
      this.#options.logger?.info({ deleted, to: formatModelRef(this.name, latest) }, `${deleted} was deleted: rolling back to ${this.name}@${latest}`)
      this.#wanted = latest
      if (this.#loading === null) this.#loading = this.#loadWanted().finally(() => { this.#loading = null })
    } catch (error) {
      this.#options.logger?.warn({ err: error }, `${deleted} was deleted but the registry did not answer: still scoring with ${this.loaded}`)
    }
  }

  #want (version: number): void {
    if (this.#closed || version <= this.#wanted) return
    this.#wanted = version
    if (this.#loading === null) this.#loading = this.#loadWanted().finally(() => { this.#loading = null })
  }

  // Loads the newest wanted version into the standby worker; loops if a newer one was announced.
  async #loadWanted (): Promise<void> {
    let loaded = this.#ready !== null ? versionOf(this.#ready.predictor.version) : versionOf(this.#active.predictor.version)
    while (!this.#closed && this.#wanted !== loaded) {
      const target = this.#wanted
      if (target === versionOf(this.#active.predictor.version)) {
        // Rolled back to the active version: drop the newer one waiting for the boundary.
        if (this.#ready !== null) { this.#standby = this.#ready.runner; this.#ready = null }
        loaded = target
        continue
      }
      try {
        const stored = await this.#options.registry.load(formatModelRef(this.name, target))
        // Reuse the worker that is neither active nor holding a ready version.
        const previousReady = this.#ready
        this.#ready = null
        const runner = previousReady?.runner ?? this.#standby
        this.#standby = null
        let next: ModelRunner
        if (runner === null || runner === undefined) {
          next = await ModelRunner.create({ backend: this.#options.backend, computeThreads: this.#options.computeThreads, snapshot: stored.snapshot, version: stored.ref })
        } else {
          await runner.load(stored.snapshot, stored.ref)
          next = runner
        }
        if (this.#closed) { await next.close(); return }
        this.#ready = slot(next, stored.ref)
        loaded = target
        this.#options.logger?.info({ version: stored.ref }, `model ${stored.ref} loaded; switching at the next batch`)
      } catch (error) {
        // Deleted before we loaded it, or Redis hiccup: keep scoring with what we have.
        this.#options.logger?.warn({ err: error, version: target }, `could not load ${this.name}@${target}: ${(error as Error).message}`)
        return
      }
    }
  }
}

function slot (runner: ModelRunner, version: string): Slot {
  // A fixed version per predictor: the scorer reads it for the batch it predicts. The spec the
  // version was trained on goes with it: the scorer decodes by it (learnt vocabularies, classes
  // and imputed means), not by the spec file, whose `impute: mean` it cannot apply.
  const spec = runner.spec
  return { runner, predictor: { version, ...(spec !== undefined ? { spec } : {}), predict: (xs, n) => runner.predict(xs, n) } }
}

function versionOf (ref: string): number {
  return Number(ref.split('@')[1] ?? 0)
}

function formatRef (name: string, version: number | 'latest'): string {
  return version === 'latest' ? `${name}@latest` : formatModelRef(name, version)
}
