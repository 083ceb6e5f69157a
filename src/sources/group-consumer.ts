// The one place where a consumer-group client is configured (its offsets are committed in
// kafka/offsets.ts). Scoring, exactly-once and online learning all build their consumer here so
// that they share the same guarantees: no commit on fetch, and only committed (transactional)
// records seen.
import { Consumer, FetchIsolationLevels } from '@platformatic/kafka'
import { loadConfig, type KafkaConfig } from '../config.js'
import { connectionOptions } from '../kafka/connection.js'

/** A consumer group member's settings: group, connection, and the timeouts and buffering passed to the client. */
export interface GroupConsumerOptions {
  groupId: string
  /** Connection settings; default `loadConfig().kafka`. */
  kafka?: KafkaConfig
  /** ms without heartbeat before the broker evicts this member (default 30000). */
  sessionTimeout?: number
  /** ms between heartbeats (default 3000; must be below sessionTimeout). */
  heartbeatInterval?: number
  /** ms the group waits for members to rejoin during a rebalance (default max(60000, sessionTimeout)). */
  rebalanceTimeout?: number
  /** ms the broker may hold an empty fetch (default 500): bounds how late a stream timeout is noticed. */
  maxWaitTime?: number
  /** Records the platformatic stream buffers before it stops fetching (default 1024). */
  highWaterMark?: number
  /** Appended to the client id, to tell clients apart in broker logs (default "group"). */
  clientSuffix?: string
  /**
   * Static membership (group.instance.id): a restarted member with the same id takes over its
   * predecessor's partitions at once, without a rebalance or waiting out the session timeout.
   * Unique per running member; stable across its restarts.
   */
  groupInstanceId?: string
}

/** The defaults of {@link GroupConsumerOptions}, in one place. */
export const groupConsumerDefaults = {
  sessionTimeout: 30_000,
  heartbeatInterval: 3_000,
  rebalanceTimeout: 60_000,
  maxWaitTime: 500,
  highWaterMark: 1024
}

/**
 * A @platformatic/kafka Consumer with autocommit off and isolation read_committed. Close it
 * with `await consumer.close()`: that leaves the group at once instead of after the session timeout.
 */
export function createGroupConsumer (options: GroupConsumerOptions): Consumer {
  const kafka = options.kafka ?? loadConfig().kafka
  const sessionTimeout = options.sessionTimeout ?? groupConsumerDefaults.sessionTimeout
  return new Consumer({
    ...connectionOptions(kafka, options.clientSuffix ?? 'group'),
    groupId: options.groupId,
    autocommit: false,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    sessionTimeout,
    heartbeatInterval: options.heartbeatInterval ?? Math.min(groupConsumerDefaults.heartbeatInterval, Math.floor(sessionTimeout / 3)),
    rebalanceTimeout: options.rebalanceTimeout ?? Math.max(groupConsumerDefaults.rebalanceTimeout, sessionTimeout),
    maxWaitTime: options.maxWaitTime ?? groupConsumerDefaults.maxWaitTime,
    highWaterMark: options.highWaterMark ?? groupConsumerDefaults.highWaterMark,
    ...(options.groupInstanceId !== undefined ? { groupInstanceId: options.groupInstanceId } : {})
  })
}
