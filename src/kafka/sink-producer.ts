// The producer both batch writers use: idempotent, Java-compatible partitioning, and quick
// retries; with a transactional id it is the exactly-once one.
import { Producer } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.js'
import { connectionOptions } from './connection.js'
import { javaCompatiblePartitioner } from './partitioner.js'

export interface SinkProducerOptions {
  /** Makes it transactional. */
  transactionalId?: string
  /** Request timeout, and the transaction timeout sent with InitProducerId. */
  timeout: number
}

export function createSinkProducer (kafka: KafkaConfig, { transactionalId, timeout }: SinkProducerOptions): Producer {
  return new Producer({
    ...connectionOptions(kafka, transactionalId !== undefined ? 'eos' : 'alos'),
    idempotent: true,
    partitioner: javaCompatiblePartitioner,
    timeout,
    // The next transaction's first request often meets CONCURRENT_TRANSACTIONS while the
    // coordinator still writes the previous one's markers: retry within milliseconds, not the
    // client's default second. 40 attempts span about 35 s: a killed broker is fenced and its
    // partitions' leaders and coordinators move within that (broker.session.timeout.ms is 9 s).
    retries: 40,
    retryDelay: retryBackoff,
    ...(transactionalId !== undefined ? { transactionalId } : {})
  })
}

/** 10, 20, 40 ... ms, at most 1 s. */
function retryBackoff (_client: unknown, _operation: string, attempt: number): number {
  return Math.min(10 * 2 ** (attempt - 1), 1000)
}
