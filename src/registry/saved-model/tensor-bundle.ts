// A TensorFlow checkpoint ("tensor bundle"): `variables.index`, a table from checkpoint keys to
// BundleEntryProto (dtype, shape, shard, offset, size, masked CRC-32C), and the shards
// `variables.data-0000K-of-0000N` holding the tensors' raw little-endian bytes
// (tensorflow/core/protobuf/tensor_bundle.proto). The key "" holds the BundleHeaderProto.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { maskedCrc32c } from './crc32c.js'
import { fields, readVarint, text } from './protobuf.js'
import { readTable } from './sstable.js'

export class BundleError extends Error {}

/** TensorFlow's DataType enum (types.proto): the names for messages, and the one a LayersModel's weights take. */
const DTYPES: Record<number, string> = { 1: 'float32', 2: 'float64', 3: 'int32', 4: 'uint8', 5: 'int16', 6: 'int8', 7: 'string', 9: 'int64', 10: 'bool', 14: 'bfloat16', 19: 'float16' }
export const DT_FLOAT = 1
const DT_STRING = 7

export interface BundleEntry { dtype: number, dtypeName: string, shape: number[], shard: number, offset: number, size: number, crc: number, sliced: boolean }

export class TensorBundle {
  private readonly shards = new Map<number, Uint8Array>()

  private constructor (readonly dir: string, readonly entries: Map<string, BundleEntry>, readonly numShards: number) {}

  /** Reads `dir/variables.index` (the data shards are read when first needed). */
  static open (dir: string): TensorBundle {
    let table
    try {
      table = readTable(readFileSync(join(dir, 'variables.index')))
    } catch (error) {
      throw new BundleError(`variables.index: ${(error as Error).message}`)
    }
    const header = table.get('')
    if (header === undefined) throw new BundleError('variables.index has no bundle header')
    let numShards = 1
    for (const f of fields(header)) {
      if (f.field === 1) numShards = f.value
      if (f.field === 2 && f.value !== 0) throw new BundleError('variables.index says its tensors are big-endian; only little-endian checkpoints are read')
    }
    const entries = new Map<string, BundleEntry>()
    for (const [key, value] of table) if (key !== '') entries.set(key, entry(value))
    return new TensorBundle(dir, entries, numShards)
  }

  /** A tensor's bytes, checked against its CRC. */
  bytes (key: string, checked = true): Uint8Array {
    const e = this.entries.get(key)
    if (e === undefined) throw new BundleError(`variables.index has no tensor ${key}`)
    if (e.sliced) throw new BundleError(`${key} is saved in slices (a partitioned variable), which is not read`)
    const data = this.shard(e.shard)
    if (e.offset + e.size > data.length) throw new BundleError(`${shardName(e.shard, this.numShards)} ends at byte ${data.length}, before ${key}'s ${e.size} bytes at ${e.offset} (truncated)`)
    const bytes = data.subarray(e.offset, e.offset + e.size)
    if (checked && maskedCrc32c(bytes) !== e.crc) throw new BundleError(`${key} fails its CRC-32C in ${shardName(e.shard, this.numShards)} (damaged)`)
    return bytes
  }

  /** A scalar string tensor (the checkpoint's object graph is one): lengths, their CRC, then the bytes. */
  scalarString (key: string): Uint8Array {
    const e = this.entries.get(key)
    if (e === undefined || e.dtype !== DT_STRING || e.shape.length !== 0) throw new BundleError(`variables.index has no scalar string ${key}`)
    // Unchecked: a string tensor's CRC covers its lengths as 64-bit words, not the bytes stored.
    const bytes = this.bytes(key, false)
    const [length, at] = readVarint(bytes, 0)
    return bytes.subarray(at + 4, at + 4 + length)
  }

  private shard (id: number): Uint8Array {
    let data = this.shards.get(id)
    if (data === undefined) {
      const file = join(this.dir, shardName(id, this.numShards))
      if (!existsSync(file)) throw new BundleError(`${shardName(id, this.numShards)} is missing: the weights variables.index points at`)
      data = new Uint8Array(readFileSync(file))
      this.shards.set(id, data)
    }
    return data
  }
}

export function shardName (id: number, of: number): string {
  return `variables.data-${String(id).padStart(5, '0')}-of-${String(of).padStart(5, '0')}`
}

function entry (value: Uint8Array): BundleEntry {
  const e: BundleEntry = { dtype: 0, dtypeName: '', shape: [], shard: 0, offset: 0, size: 0, crc: 0, sliced: false }
  for (const f of fields(value)) {
    if (f.field === 1) e.dtype = f.value
    else if (f.field === 2) e.shape = shape(f.bytes)
    else if (f.field === 3) e.shard = f.value
    else if (f.field === 4) e.offset = f.value
    else if (f.field === 5) e.size = f.value
    else if (f.field === 6) e.crc = f.value
    else if (f.field === 7) e.sliced = true
  }
  e.dtypeName = DTYPES[e.dtype] ?? `DataType ${e.dtype}`
  return e
}

/** TensorShapeProto: repeated dim { size }. */
function shape (bytes: Uint8Array): number[] {
  const dims: number[] = []
  for (const f of fields(bytes)) {
    if (f.field !== 2) continue
    let size = 0
    for (const d of fields(f.bytes)) if (d.field === 1) size = d.value
    dims.push(size)
  }
  return dims
}

/**
 * The checkpoint's object graph (TrackableObjectGraph, key _CHECKPOINTABLE_OBJECT_GRAPH): each saved
 * variable's own name ("dense/kernel") and the key its value has in the bundle. The name is the one
 * Keras' HDF5 files and so the tensorflowjs converter use, hence the one tfjs' weights answer to.
 */
export function variableKeys (bundle: TensorBundle): Map<string, string> {
  const graph = bundle.scalarString('_CHECKPOINTABLE_OBJECT_GRAPH')
  const keys = new Map<string, string>()
  for (const node of fields(graph)) {
    if (node.field !== 1) continue
    for (const attribute of fields(node.bytes)) {
      if (attribute.field !== 2) continue
      let name = ''
      let fullName = ''
      let key = ''
      for (const f of fields(attribute.bytes)) {
        if (f.field === 1) name = text(f.bytes)
        else if (f.field === 2) fullName = text(f.bytes)
        else if (f.field === 3) key = text(f.bytes)
      }
      // Keras names are unique in a model (the optimizer's slots are "Adam/m/dense/kernel"); a repeat keeps the first.
      const variable = fullName.replace(/:0$/, '')
      if (name === 'VARIABLE_VALUE' && variable !== '' && !keys.has(variable)) keys.set(variable, key)
    }
  }
  return keys
}
