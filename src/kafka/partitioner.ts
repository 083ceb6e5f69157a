// Keys land on the partition a Java client would choose: Kafka's default partitioner for keyed
// records is toPositive(murmur2(key)) % partitions, which @platformatic/kafka implements as
// compatibilityPartitioner (its own defaultPartitioner uses `>>> 0` instead, which differs
// for half of all keys). With it, label "0" goes to partition 0 and "1" to partition 1 of the
// two-partition susy-test, exactly where the tutorial's kafka-python producer puts them.
import { compatibilityPartitioner, type MessageToProduce } from '@platformatic/kafka'

// murmur2 there computes with BigInt; a load sees only a handful of distinct keys, so remember them.
const cache = new Map<string, number>()
const CACHE_LIMIT = 10_000

/** Java's keyed-record hash (a non-negative int; the producer takes it modulo the partition count). */
export function javaKeyHash (key: Buffer): number {
  const text = key.toString('latin1')
  let hash = cache.get(text)
  if (hash === undefined) {
    hash = compatibilityPartitioner({} as MessageToProduce<Buffer, Buffer, Buffer, Buffer>, key)
    if (cache.size >= CACHE_LIMIT) cache.clear()
    cache.set(text, hash)
  }
  return hash
}

/** The partition Java's default partitioner gives a keyed record. */
export function javaPartition (key: Buffer, partitions: number): number {
  return javaKeyHash(key) % partitions
}

/** A Partitioner for @platformatic/kafka producers; keyless records go to partition 0. */
export function javaCompatiblePartitioner (_message: unknown, key?: Buffer): number {
  return key === undefined || key === null ? 0 : javaKeyHash(key)
}
