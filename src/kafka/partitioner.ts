// Keys land on the partition a Java client would choose: Kafka's default partitioner for keyed
// records is toPositive(murmur2(key)) % partitions, which @platformatic/kafka implements as
// compatibilityPartitioner (its own defaultPartitioner uses `>>> 0` instead, which differs
// for half of all keys). With it, label "0" goes to partition 0 and "1" to partition 1 of the
// two-partition susy-test, exactly where the tutorial's kafka-python producer puts them.

/**
 * Java's keyed-record hash, toPositive(Utils.murmur2(key)): a non-negative int the producer
 * takes modulo the partition count. The client's murmur2 computes in BigInt, several
 * allocations per byte; this is the same function in 32-bit integer arithmetic.
 */
export function javaKeyHash (key: Buffer): number {
  const length = key.length
  const m = 0x5bd1e995
  let h = 0x9747b28c ^ length
  const whole = length & ~3
  for (let i = 0; i < whole; i += 4) {
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  const rest = length & 3
  if (rest > 0) {
    if (rest === 3) h ^= key[whole + 2]! << 16
    if (rest >= 2) h ^= key[whole + 1]! << 8
    h ^= key[whole]!
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h & 0x7fffffff
}

/** The partition Java's default partitioner gives a keyed record. */
export function javaPartition (key: Buffer, partitions: number): number {
  return javaKeyHash(key) % partitions
}

/** A Partitioner for @platformatic/kafka producers; keyless records go to partition 0. */
export function javaCompatiblePartitioner (_message: unknown, key?: Buffer): number {
  return key === undefined || key === null ? 0 : javaKeyHash(key)
}
