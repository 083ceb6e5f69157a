// What a stored model version is: what a save takes, what a listing or a load returns, what an
// announcement says, and how its meta (offsets included) is encoded in the version's hash.
import type { ModelSnapshot } from '../ml/protocol.js'
import { formatModelRef } from './refs.js'

/** Next offset to read, per topic and partition: where a consumer of this model resumes. */
export type ModelOffsets = Record<string, Record<number, bigint>>

/** What {@link ModelRegistry.save} stores: the snapshot and the facts kept with it. */
export interface SaveInput {
  /** Model name (default "susy"). */
  name?: string
  snapshot: ModelSnapshot
  /** Backend that trained it (gpu, node, wasm, cpu). */
  backend: string
  /** Rows the model has been trained on, in total. */
  rows: number
  /** Epochs (passes) of training behind it. */
  epochs: number
  /** Any numeric figures worth keeping: loss, accuracy, validation AUC... */
  metrics?: Record<string, number>
  /** Input consumed so far (next offset per topic/partition), saved atomically with the weights. */
  offsets?: ModelOffsets
  /** Free-form facts (trainer, parent version, ...), stored as JSON. */
  info?: Record<string, unknown>
  /**
   * Optimistic concurrency: save only if the latest version is still this one (null: only if
   * none exists). A trainer that lost its place (a zombie) then fails with RegistryConflictError.
   */
  ifLatest?: number | null
}

/** A stored version's facts, without its weights: what `models list` shows. */
export interface VersionInfo {
  name: string
  version: number
  /** "name@version" */
  ref: string
  createdAt: string
  backend: string
  rows: number
  epochs: number
  metrics: Record<string, number>
  offsets: ModelOffsets
  info: Record<string, unknown>
  /** Weights in the model and bytes of stored weights (optimizer state included). */
  params: number
  bytes: number
}

/** A stored version with its weights. */
export interface StoredModel extends VersionInfo {
  snapshot: ModelSnapshot
}

/** Published on the registry's channel when a version is saved or deleted. */
export interface Announcement {
  event: 'saved' | 'deleted'
  name: string
  version: number
  ref: string
}

/** A version's facts from its Redis hash (`bytes` defaults to the weights' size). */
export function decodeInfo (hash: Map<string, Buffer>, bytes?: number): VersionInfo {
  const meta = JSON.parse(hash.get('meta')!.toString()) as Omit<VersionInfo, 'version' | 'ref' | 'offsets' | 'bytes'> & { offsets: Record<string, Record<string, string>> }
  const version = Number(hash.get('version')!.toString())
  return {
    ...meta,
    version,
    ref: formatModelRef(meta.name, version),
    offsets: decodeOffsets(meta.offsets),
    bytes: bytes ?? hash.get('weights')?.byteLength ?? 0
  }
}

/** Offsets as JSON can hold them: bigints as decimal strings. */
export function encodeOffsets (offsets: ModelOffsets): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const [topic, partitions] of Object.entries(offsets)) {
    out[topic] = {}
    for (const [p, o] of Object.entries(partitions)) out[topic][p] = String(o)
  }
  return out
}

function decodeOffsets (stored: Record<string, Record<string, string>> = {}): ModelOffsets {
  const out: ModelOffsets = {}
  for (const [topic, partitions] of Object.entries(stored)) {
    out[topic] = {}
    for (const [p, o] of Object.entries(partitions)) out[topic][Number(p)] = BigInt(o)
  }
  return out
}

/** Trainable weights in a snapshot (optimizer state left out). */
export function countParams (snapshot: ModelSnapshot): number {
  return snapshot.weightSpecs
    .filter(s => s.group === undefined || s.group === 'model')
    .reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0)
}

/**
 * The version `v` was continued from (its weights were the start of its training), or null for a
 * model trained from scratch or imported. `train --from` and the online learner record it as
 * `info.parent`; online versions saved before that carry only their lineage's parent.
 */
export function parentOf (v: Pick<VersionInfo, 'info'>): string | null {
  const parent = v.info?.parent
  if (typeof parent === 'string') return parent
  const online = v.info?.online as { parent?: unknown } | undefined
  return typeof online?.parent === 'string' ? online.parent : null
}
