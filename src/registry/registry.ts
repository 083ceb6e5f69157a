// The model registry: versions of a model in Redis, each saved in one atomic step with the
// offsets of the input it has consumed, a `latest` pointer, and a pub/sub announcement.
//
// Keys (prefix = config.registryPrefix, e.g. "streamfit:"):
//   <prefix>model:<name>:seq         INCR counter: version numbers are never reused
//   <prefix>model:<name>:versions    zset of live version numbers
//   <prefix>model:<name>:latest      newest live version number
//   <prefix>model:<name>:v:<N>       hash: meta (JSON), topology (JSON), weightSpecs (JSON),
//                                    trainingConfig (JSON), scaler (JSON), weights (binary),
//                                    target (JSON, regression), spec (JSON: the data layout it reads)
//   <prefix>models                   set of model names
// Channel <prefix>models:announce carries {event: 'saved'|'deleted', name, version, ref}.
// The shape of a version and its encoding are in version.ts.
import { Redis } from 'ioredis'
import { Observable } from 'rxjs'
import { maskUrlPassword } from '../config.js'
import { redisUnreachable, RegistryConflictError, UsageError } from '../errors.js'
import type { ModelSnapshot } from '../ml/protocol.js'
import type { ScalerState } from '../ml/scaler.js'
import type { ResolvedSpec } from '../spec/types.js'
import { DEFAULT_MODEL_NAME, formatModelRef, parseModelRef } from './refs.js'
import { DELETE, LOAD, SAVE } from './scripts.js'
import { countParams, decodeInfo, encodeOffsets, type Announcement, type SaveInput, type StoredModel, type VersionInfo } from './version.js'

/** How a {@link ModelRegistry} connects to Redis and which keys it uses. */
export interface RegistryOptions {
  /** Redis URL (used when `redis` is not given). */
  url?: string
  /** An existing connection; the registry does not close it. */
  redis?: Redis
  /** Key prefix (config.registryPrefix). */
  prefix?: string
  /** Told of Redis connection errors (ioredis keeps reconnecting meanwhile). */
  onError?: (error: Error) => void
  /** Told when the connection is ready again after an error (not on the first connect). */
  onReconnect?: () => void
}

interface Scripts {
  streamfitSave (...args: Array<string | Buffer | number>): Promise<number>
  streamfitLoadBuffer (...args: Array<string | Buffer | number>): Promise<Buffer[]>
  streamfitDelete (...args: Array<string | Buffer | number>): Promise<number>
}

/** Versioned models in Redis: save, load, list, prune; each change is announced so scorers hot-swap. */
export class ModelRegistry {
  readonly prefix: string
  readonly channel: string
  readonly #redis: Redis
  readonly #owned: boolean
  readonly #subscribers = new Set<Redis>()
  #lastError: Error | null = null

  constructor (options: RegistryOptions = {}) {
    this.prefix = options.prefix ?? 'streamfit:'
    this.channel = `${this.prefix}models:announce`
    this.#owned = options.redis === undefined
    this.#redis = options.redis ?? new Redis(options.url ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 3 })
    // Connection errors also reject the commands that meet them; ioredis reconnects by itself.
    // Without a listener it would print each one as an "Unhandled error event".
    if (this.#owned) {
      this.#redis.on('error', (error: Error) => { this.#lastError = error; options.onError?.(error) })
      this.#redis.on('ready', () => { if (this.#lastError !== null) options.onReconnect?.() })
    }
    this.#redis.defineCommand('streamfitSave', { numberOfKeys: 5, lua: SAVE })
    this.#redis.defineCommand('streamfitLoad', { numberOfKeys: 2, lua: LOAD })
    this.#redis.defineCommand('streamfitDelete', { numberOfKeys: 3, lua: DELETE })
  }

  /** Connects and checks Redis answers; an unreachable Redis is a one-line UsageError. */
  static async connect (options: RegistryOptions & { url: string }): Promise<ModelRegistry> {
    const registry = new ModelRegistry(options)
    try {
      if (registry.#redis.status === 'wait') await registry.#redis.connect()
      await registry.#redis.ping()
    } catch (error) {
      await registry.close()
      const cause = registry.#lastError ?? (error as Error)
      throw redisUnreachable(maskUrlPassword(options.url), cause.message)
    }
    return registry
  }

  /** Why Redis does not answer now (its last connection error), or null while connected. */
  get unreachable (): Error | null {
    return this.#redis.status === 'ready' ? null : (this.#lastError ?? new Error(`connection ${this.#redis.status}`))
  }

  /** Saves a new version (number from INCR), makes it latest and announces it: one atomic step. */
  async save (input: SaveInput): Promise<VersionInfo> {
    const name = input.name ?? DEFAULT_MODEL_NAME
    parseModelRef(name) // validates the name
    const createdAt = new Date().toISOString()
    const { snapshot } = input
    const meta = {
      name,
      createdAt,
      backend: input.backend,
      rows: input.rows,
      epochs: input.epochs,
      metrics: input.metrics ?? {},
      offsets: encodeOffsets(input.offsets ?? {}),
      info: input.info ?? {},
      params: countParams(snapshot)
    }
    const fields: Array<string | Buffer> = [
      'meta', JSON.stringify(meta),
      'topology', JSON.stringify(snapshot.topology),
      'weightSpecs', JSON.stringify(snapshot.weightSpecs),
      'weights', Buffer.from(snapshot.weights.buffer, snapshot.weights.byteOffset, snapshot.weights.byteLength)
    ]
    if (snapshot.trainingConfig) fields.push('trainingConfig', JSON.stringify(snapshot.trainingConfig))
    if (snapshot.scaler) fields.push('scaler', JSON.stringify(snapshot.scaler))
    if (snapshot.target) fields.push('target', JSON.stringify(snapshot.target))
    if (snapshot.spec) fields.push('spec', JSON.stringify(snapshot.spec))
    const k = this.#keys(name)
    const expected = input.ifLatest === undefined ? '' : String(input.ifLatest ?? 0)
    let version: number
    for (let attempt = 0; ; attempt++) {
      // The new version's key is passed to the script (see scripts.ts), so its number is read first.
      const next = Number(await this.#redis.get(k.seq) ?? '0') + 1
      try {
        version = await this.#scripts.streamfitSave(k.seq, k.versions, k.latest, k.names, k.version + next, this.channel, name, expected, String(next), ...fields)
        break
      } catch (error) {
        const message = (error as Error).message
        if (message.includes('STALE')) throw new RegistryConflictError(`${name}: ${message.slice(message.indexOf('STALE') + 6)}`)
        if (message.includes('SEQ') && attempt < 20) continue
        throw error
      }
    }
    return { ...meta, version: Number(version), ref: formatModelRef(name, Number(version)), offsets: input.offsets ?? {}, bytes: snapshot.weights.byteLength }
  }

  /** Loads "susy@latest", "susy@3" or "susy". Throws a UsageError when there is no such version. */
  async load (ref: string): Promise<StoredModel> {
    const parsed = parseModelRef(ref)
    const k = this.#keys(parsed.name)
    let flat: Buffer[] = []
    for (let attempt = 0; ; attempt++) {
      const version = parsed.version === 'latest' ? await this.#redis.get(k.latest) : String(parsed.version)
      if (version === null) break
      try {
        flat = await this.#scripts.streamfitLoadBuffer(k.latest, k.version + version, version, parsed.version === 'latest' ? 'latest' : '')
        break
      } catch (error) {
        // Latest moved between reading it and loading it (a save or delete): read it again.
        if (!(error as Error).message.includes('MOVED-LATEST') || attempt >= 20) throw error
      }
    }
    if (flat.length === 0) {
      throw new UsageError(parsed.version === 'latest'
        ? `no model "${parsed.name}" in the registry (train one first: streamfit train)`
        : `no version ${parsed.version} of model "${parsed.name}" in the registry`)
    }
    const hash = new Map<string, Buffer>()
    for (let i = 0; i < flat.length; i += 2) hash.set(flat[i].toString(), flat[i + 1])
    const info = decodeInfo(hash)
    const weights = hash.get('weights')!
    const json = (field: string): unknown => hash.has(field) ? JSON.parse(hash.get(field)!.toString()) : undefined
    return {
      ...info,
      snapshot: {
        topology: json('topology') as object,
        weightSpecs: json('weightSpecs') as ModelSnapshot['weightSpecs'],
        trainingConfig: json('trainingConfig') as object | undefined,
        scaler: json('scaler') as ScalerState | undefined,
        ...(hash.has('target') ? { target: json('target') as ScalerState } : {}),
        ...(hash.has('spec') ? { spec: json('spec') as ResolvedSpec } : {}),
        // A copy with its own ArrayBuffer, so it can be transferred to a worker.
        weights: new Uint8Array(weights)
      }
    }
  }

  /** The latest version number of a model, or null when it has none. */
  async latestVersion (name: string = DEFAULT_MODEL_NAME): Promise<number | null> {
    const v = await this.#redis.get(this.#keys(name).latest)
    return v === null ? null : Number(v)
  }

  /** Versions of one model, oldest first, without their weights. */
  async list (name: string = DEFAULT_MODEL_NAME): Promise<VersionInfo[]> {
    const k = this.#keys(name)
    const versions = await this.#redis.zrange(k.versions, 0, -1)
    if (versions.length === 0) return []
    const pipeline = this.#redis.pipeline()
    for (const v of versions) pipeline.hget(k.version + v, 'meta').hstrlen(k.version + v, 'weights')
    const results = await pipeline.exec()
    const out: VersionInfo[] = []
    versions.forEach((v, i) => {
      const meta = results?.[2 * i]?.[1] as string | null
      const bytes = results?.[2 * i + 1]?.[1] as number
      if (meta === null) return // deleted between the two reads
      out.push(decodeInfo(new Map([['meta', Buffer.from(meta)], ['version', Buffer.from(v)]]), bytes))
    })
    return out
  }

  /** Names of all models in the registry. */
  async names (): Promise<string[]> {
    return (await this.#redis.smembers(`${this.prefix}models`)).sort()
  }

  /** Deletes one version ("susy@3"; "susy@latest" deletes the latest). True when it existed. */
  async delete (ref: string): Promise<boolean> {
    const parsed = parseModelRef(ref)
    const version = parsed.version === 'latest' ? await this.latestVersion(parsed.name) : parsed.version
    if (version === null) return false
    const k = this.#keys(parsed.name)
    return (await this.#scripts.streamfitDelete(k.versions, k.latest, k.version + version, this.channel, parsed.name, String(version))) === 1
  }

  /** Deletes all but the newest `keep` versions of a model (the latest always stays). Returns the refs deleted. */
  async prune (name: string = DEFAULT_MODEL_NAME, keep: number): Promise<string[]> {
    if (!Number.isInteger(keep) || keep < 1) throw new UsageError(`keep must be an integer >= 1, got ${keep}`)
    const versions = (await this.#redis.zrange(this.#keys(name).versions, 0, -1)).map(Number)
    const deleted: string[] = []
    for (const v of versions.slice(0, Math.max(0, versions.length - keep))) {
      const ref = formatModelRef(name, v)
      if (await this.delete(ref)) deleted.push(ref)
    }
    return deleted
  }

  /**
   * Calls `callback` for every new version (of `name`, or of any model when omitted), from a
   * dedicated subscriber connection. After a reconnect it also reports a version saved while
   * disconnected (the latest one), so a watcher never stays on an old model.
   * Resolves once subscribed; the returned function unsubscribes.
   */
  async watch (callback: (announcement: Announcement) => void, { name }: { name?: string } = {}): Promise<() => Promise<void>> {
    const sub = this.#redis.duplicate({ lazyConnect: true })
    sub.on('error', () => { /* resubscribed on reconnect; the 'ready' handler below catches up */ })
    this.#subscribers.add(sub)
    const seen = new Map<string, number>()
    const report = (a: Announcement): void => {
      if (name !== undefined && a.name !== name) return
      if (a.event === 'saved') {
        if ((seen.get(a.name) ?? 0) >= a.version) return
        seen.set(a.name, a.version)
      }
      callback(a)
    }
    sub.on('message', (_channel: string, text: string) => {
      try { report(JSON.parse(text) as Announcement) } catch { /* not ours: ignore */ }
    })
    const names = async (): Promise<string[]> => name !== undefined ? [name] : this.names()
    for (const n of await names()) seen.set(n, (await this.latestVersion(n)) ?? 0)
    let first = true
    sub.on('ready', () => {
      if (first) { first = false; return }
      // Reconnected: announcements made meanwhile were lost; catch up from the latest pointers.
      void names().then(async list => {
        for (const n of list) {
          const v = await this.latestVersion(n)
          if (v !== null) report({ event: 'saved', name: n, version: v, ref: formatModelRef(n, v) })
        }
      }).catch(() => { /* next reconnect retries */ })
    })
    await sub.connect()
    await sub.subscribe(this.channel)
    return async () => {
      if (!this.#subscribers.delete(sub)) return
      sub.disconnect()
    }
  }

  /** The announcements as an Observable (subscribing starts a watch, unsubscribing ends it). */
  versions$ (name?: string): Observable<Announcement> {
    return new Observable<Announcement>(subscriber => {
      let stop: (() => Promise<void>) | null = null
      let closed = false
      this.watch(a => { if (a.event === 'saved') subscriber.next(a) }, { name }).then(
        s => { if (closed) void s(); else stop = s },
        error => subscriber.error(error)
      )
      return () => { closed = true; void stop?.() }
    })
  }

  /** Closes the subscriptions, and the connection when the registry opened it. */
  async close (): Promise<void> {
    for (const sub of this.#subscribers) sub.disconnect()
    this.#subscribers.clear()
    if (this.#owned) {
      if (this.#redis.status === 'ready') await this.#redis.quit().catch(() => this.#redis.disconnect())
      else this.#redis.disconnect()
    }
  }

  get #scripts (): Scripts {
    return this.#redis as unknown as Scripts
  }

  #keys (name: string): { seq: string; versions: string; latest: string; version: string; names: string } {
    const base = `${this.prefix}model:${name}`
    return { seq: `${base}:seq`, versions: `${base}:versions`, latest: `${base}:latest`, version: `${base}:v:`, names: `${this.prefix}models` }
  }
}
