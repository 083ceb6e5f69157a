// `load --spec`: a data file's rows (CSV or JSON lines, src/data/table-records.ts) written to the
// spec's train and test topics with the seeded split SUSY's load uses. The four topics of the spec
// are created with their partitions first. Keyed records land where Java's partitioner puts
// them; keyless ones (no key label, no id) are dealt round-robin over the topic's partitions, as
// a Java producer's batches spread, so a two-partition test topic has work for two scorers.
import type { MessageToProduce } from '@platformatic/kafka'
import type { Config } from '../config.js'
import type { DatasetSpec, TopicSpec } from '../spec/types.js'
import { LOAD_DEFAULTS } from './load-susy.js'
import { openLoader, startLoad, type Compression } from './load-topics.js'
import { shuffledSplit } from './split.js'
import { readTableRecords, type KeyedValue, type ReadRecordsOptions } from './table-records.js'
import type { RowError } from './read-table.js'

export interface DatasetLoadOptions extends ReadRecordsOptions {
  /** Path or http(s)/file URL of a .csv, .csv.gz, .jsonl or .jsonl.gz file. */
  data: string
  testFraction?: number
  seed?: number
  fresh?: boolean
  batchSize?: number
  batchBytes?: number
  compression?: Compression
  onProgress?: (phase: 'read' | 'write', done: number, total: number | undefined) => void
}

export interface DatasetLoadResult {
  train: number
  test: number
  skipped: RowError[]
  /** What the records' keys hold. */
  keyed: 'label' | 'id' | 'none'
  seconds: number
  writeSeconds: number
  recordsPerSecond: number
}

export async function loadDataset (config: Config, spec: DatasetSpec, options: DatasetLoadOptions): Promise<DatasetLoadResult> {
  const o = { ...LOAD_DEFAULTS, ...options }
  const started = performance.now()
  await startLoad(config, o.testFraction)
  // Every row is read and checked before a topic is touched: a bad row stops the load with
  // nothing written (and nothing deleted by --fresh).
  const read = await readTableRecords(spec, o.data, o)
  o.onProgress?.('read', read.records.length, read.records.length)
  const topics: TopicSpec[] = [spec.topics.train, spec.topics.test, spec.topics.predictions, spec.topics.deadLetters]
  // Idempotent, one send at a time (as load-susy.ts): a retry cannot write a row twice.
  const producer = await openLoader(config, topics, { fresh: o.fresh, compression: o.compression, idempotent: true, requestTimeoutMs: LOAD_DEFAULTS.requestTimeoutMs })
  const total = read.records.length
  const split = shuffledSplit(total, o.testFraction, o.seed)
  const writeStarted = performance.now()
  try {
    let sent = 0
    for (const [topic, rows] of [[spec.topics.test, split.test], [spec.topics.train, split.train]] as const) {
      let dealt = 0
      let batch: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] = []
      let bytes = 0
      const flush = async (): Promise<void> => {
        await producer.send({ messages: batch })
        sent += batch.length
        o.onProgress?.('write', sent, total)
        batch = []
        bytes = 0
      }
      for (const i of rows) {
        const { key, value } = read.records[i] as KeyedValue
        batch.push(key === null ? { topic: topic.name, value, partition: dealt++ % topic.partitions } : { topic: topic.name, key, value })
        bytes += value.length
        if (batch.length >= o.batchSize || bytes >= o.batchBytes) await flush()
      }
      if (batch.length > 0) await flush()
    }
  } catch (error) {
    throw new Error(`writing to Kafka failed: ${(error as Error).message}`, { cause: error })
  } finally {
    await producer.close().catch(() => {})
  }
  const now = performance.now()
  const seconds = (now - started) / 1000
  return { train: split.train.length, test: split.test.length, skipped: read.skipped, keyed: read.keyed, seconds, writeSeconds: (now - writeStarted) / 1000, recordsPerSecond: total / seconds }
}
