// Topic administration shared by the loader, the tools and the tests.
import { Admin, Consumer } from '@platformatic/kafka'
import { type KafkaConfig } from '../config.js'
import { topicsMissing } from '../errors.js'
import { connectionOptions } from './connection.js'

/** A topic to create: name, partitions and replicas (exported from 'streamfit' as KafkaTopicSpec). */
export interface TopicSpec {
  name: string
  partitions: number
  /** Replicas; default the config's replicationFactor, else -1 (the cluster's default). */
  replicas?: number
}

export async function withAdmin<T> (kafka: KafkaConfig, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(connectionOptions(kafka, 'admin'))
  try {
    return await fn(admin)
  } finally {
    await admin.close()
  }
}

/**
 * Creates the topics that are missing; existing topics are left as they are. Replicas -1 lets the
 * broker apply its default.replication.factor: 1 on `streamfit up`'s broker, 3 on a production
 * cluster, without streamfit knowing which.
 */
export async function ensureTopics (kafka: KafkaConfig, specs: TopicSpec[]): Promise<string[]> {
  return withAdmin(kafka, async admin => {
    const existing = new Set(await admin.listTopics())
    const created: string[] = []
    for (const spec of specs) {
      if (existing.has(spec.name)) continue
      await admin.createTopics({ topics: [spec.name], partitions: spec.partitions, replicas: spec.replicas ?? kafka.replicationFactor ?? -1 })
      created.push(spec.name)
    }
    if (created.length > 0) await waitForTopics(admin, created)
    return created
  })
}

/** Fails with a one-line UsageError naming every topic that does not exist. */
export async function requireTopics (kafka: KafkaConfig, names: string[]): Promise<void> {
  const existing = new Set(await withAdmin(kafka, admin => admin.listTopics()))
  const missing = names.filter(n => !existing.has(n))
  if (missing.length > 0) {
    throw topicsMissing(kafka, missing)
  }
}

/** Deletes the topics that exist and waits until the broker has forgotten them. */
export async function deleteTopics (kafka: KafkaConfig, names: string[]): Promise<void> {
  await withAdmin(kafka, async admin => {
    const existing = new Set(await admin.listTopics())
    const present = names.filter(n => existing.has(n))
    if (present.length === 0) return
    await admin.deleteTopics({ topics: present })
    for (let i = 0; i < 100; i++) {
      const now = new Set(await admin.listTopics())
      if (present.every(n => !now.has(n))) return
      await sleep(100)
    }
    throw new Error(`topics ${present.join(', ')} still listed 10 s after deletion`)
  })
}

/** End (log-end, or last-stable with readCommitted) offsets per partition of a topic. */
export async function endOffsets (kafka: KafkaConfig, topic: string, { readCommitted = false } = {}): Promise<bigint[]> {
  return listOffsets(kafka, topic, -1n, readCommitted)
}

/** First available offset per partition. */
export async function beginningOffsets (kafka: KafkaConfig, topic: string): Promise<bigint[]> {
  return listOffsets(kafka, topic, -2n, false)
}

async function listOffsets (kafka: KafkaConfig, topic: string, timestamp: bigint, readCommitted: boolean): Promise<bigint[]> {
  // listOffsets lives on the consumer in @platformatic/kafka; this one never joins a group.
  const consumer = new Consumer({ ...connectionOptions(kafka, 'offsets'), groupId: 'streamfit-offsets-probe' })
  try {
    const offsets = await consumer.listOffsets({ topics: [topic], timestamp, isolationLevel: readCommitted ? 1 : 0 })
    return offsets.get(topic) ?? []
  } finally {
    await consumer.close()
  }
}

async function waitForTopics (admin: Admin, names: string[]): Promise<void> {
  // A freshly created topic needs its leaders elected before producers can write to it.
  for (let i = 0; i < 100; i++) {
    try {
      const metadata = await admin.metadata({ topics: names })
      const ready = names.every(n => {
        const t = metadata.topics.get(n)
        return t !== undefined && t.partitions.every(p => p.leader >= 0)
      })
      if (ready) return
    } catch { /* not yet known to the broker */ }
    await sleep(100)
  }
  throw new Error(`topics ${names.join(', ')} have no leader 10 s after creation`)
}

function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
