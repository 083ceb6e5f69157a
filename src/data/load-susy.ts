// The tutorial's write_to_kafka, done natively: SUSY rows (from a file, a URL or the generator)
// split into susy-train and susy-test, value = the 18 features as a CSV line, key = the label.
import type { Readable } from 'node:stream'
import type { MessageToProduce, Producer } from '@platformatic/kafka'
import { type Config } from '../config.js'
import { BadRowError, UsageError } from '../errors.js'
import type { TopicSpec } from '../kafka/admin.js'
import { openLoader, startLoad, type Compression } from './load-topics.js'
import { readLines } from './lines.js'
import { openSusyData } from './open-data.js'
import { isRowError, labelKey, looksLikeHeader, parseSusyRow, type RowError } from './parse-row.js'
import { shuffledSplit, streamingSplit } from './split.js'
import { SUSY_URL } from './susy.js'
import { syntheticBatches } from './synthetic-batches.js'

export type { Compression } from './load-topics.js'

/** Settings of {@link loadSusy}: where the rows come from, how many, the split and the topics. */
export interface LoadOptions {
  /** Path or http(s)/file URL of a .csv, .csv.gz or .zip; the UCI address by default. */
  data?: string
  /** Only the first N rows of the file (bad rows among them included). */
  rows?: number
  /** Generate N rows instead of reading a file. */
  synthetic?: number
  testFraction?: number
  seed?: number
  /** Delete and recreate the four topics first. */
  fresh?: boolean
  /** Skip malformed rows (each is reported) instead of stopping at the first. */
  skipBad?: boolean
  /** Records per produce request, at most. */
  batchSize?: number
  /**
   * Value bytes per produce request, at most: a request carries one record batch per partition,
   * and the broker refuses a batch over message.max.bytes (1 MiB by default).
   */
  batchBytes?: number
  /** Produce requests awaiting their answer at once (1 when idempotent: see loadProducer). */
  inFlight?: number
  /** Idempotent producer: a retry after a lost answer cannot write a row twice. Default true. */
  idempotent?: boolean
  /** How long a produce request may wait for its answer before it is sent again (Java's request.timeout.ms). */
  requestTimeoutMs?: number
  compression?: Compression
  /** Rows read or written so far (`total` when known). */
  onProgress?: (phase: 'read' | 'write', done: number, total: number | undefined) => void
  /** A bad row skipped (with `skipBad`). */
  onSkip?: (error: RowError) => void
  /** A remark for the user, e.g. a fallback to the shipped rows. */
  onNote?: (text: string) => void
}

/** The defaults of {@link LoadOptions}. */
export const LOAD_DEFAULTS = {
  data: SUSY_URL,
  testFraction: 0.4,
  seed: 42,
  fresh: false,
  skipBad: false,
  batchSize: 4096,
  batchBytes: 512 * 1024,
  inFlight: 4,
  idempotent: true,
  requestTimeoutMs: 5000,
  compression: 'none' as Compression
}

/** What {@link loadSusy} wrote, and how fast. */
export interface LoadResult {
  train: number
  test: number
  skipped: RowError[]
  /** The whole load: reading, topic set-up (--fresh deletes and recreates), writing. */
  seconds: number
  /** Writing alone: from the first record produced to the last acknowledged. */
  writeSeconds: number
  /** Rows over `seconds`. */
  recordsPerSecond: number
  synthetic: boolean
}

/** The topics `load` creates when missing, with their partition counts (as in the tutorial). */
export function susyTopics (config: Pick<Config, 'topics'>): TopicSpec[] {
  return [
    { name: config.topics.train, partitions: 1 },
    { name: config.topics.test, partitions: 2 },
    { name: config.topics.predictions, partitions: 2 },
    { name: config.topics.dlq, partitions: 1 }
  ]
}

/**
 * Loads the SUSY rows (a file, a URL or synthetic) into the train and test topics, split as the
 * tutorial does.
 */
export async function loadSusy (config: Config, options: LoadOptions = {}): Promise<LoadResult> {
  const o = { ...LOAD_DEFAULTS, ...options }
  const started = performance.now()
  await startLoad(config, o.testFraction)
  // Rows from a file are read and checked before any topic is touched: a malformed row stops the
  // load with nothing written (and nothing deleted by --fresh).
  const read = o.synthetic === undefined ? await readRows(o.data, o) : null
  const producer = await openLoader(config, susyTopics(config), { fresh: o.fresh, compression: o.compression, idempotent: o.idempotent, requestTimeoutMs: o.requestTimeoutMs })
  const total = read === null ? o.synthetic ?? 0 : read.labels.length
  const writeStarted = performance.now()
  const sender = new BatchSender(producer, o.idempotent ? 1 : o.inFlight, n => o.onProgress?.('write', n, total))
  let train = 0
  let test = 0
  try {
    let batch: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] = []
    let batchBytes = 0
    // Synchronous per record (no await per row); true when the batch is full and must be sent.
    const add = (topic: string, key: Buffer, value: Buffer): boolean => {
      batch.push({ topic, key, value })
      batchBytes += value.length
      return batch.length >= o.batchSize || batchBytes >= o.batchBytes
    }
    const flush = async (): Promise<void> => {
      const full = batch
      batch = []
      batchBytes = 0
      await sender.send(full)
    }
    if (read === null) {
      // Generated rows are independent draws, so choosing test rows as they come is a shuffled
      // split. They are made on a worker thread: this one has the records to encode.
      const toTest = streamingSplit(total, o.testFraction, o.seed ^ 0x5eed)
      for await (const rows of syntheticBatches(o.seed, total)) {
        for (let i = 0; i < rows.count; i++) {
          const toTestTopic = toTest()
          if (toTestTopic) test++; else train++
          if (add(toTestTopic ? config.topics.test : config.topics.train, labelKey(rows.labels[i] as 0 | 1), rows.values[i])) await flush()
        }
      }
    } else {
      const split = shuffledSplit(total, o.testFraction, o.seed)
      for (const i of split.test) if (add(config.topics.test, labelKey(read.labels[i] as 0 | 1), read.values[i])) await flush()
      for (const i of split.train) if (add(config.topics.train, labelKey(read.labels[i] as 0 | 1), read.values[i])) await flush()
      test = split.test.length
      train = split.train.length
    }
    if (batch.length > 0) await sender.send(batch)
    await sender.drain()
  } finally {
    await producer.close().catch(() => {})
  }
  const now = performance.now()
  const seconds = (now - started) / 1000
  return { train, test, skipped: read?.skipped ?? [], seconds, writeSeconds: (now - writeStarted) / 1000, recordsPerSecond: (train + test) / seconds, synthetic: o.synthetic !== undefined }
}

/** The checked rows of a file: labels, feature values, and the bad rows skipped. */
export interface ReadResult {
  labels: Uint8Array
  values: Buffer[]
  skipped: RowError[]
}

/** Reads and checks the rows of a file or URL (the first `rows` data rows when given). */
export async function readRows (source: string, o: Pick<LoadOptions, 'rows' | 'skipBad' | 'onSkip' | 'onNote' | 'onProgress'>): Promise<ReadResult> {
  let stream: Readable | undefined
  const limit = o.rows ?? Infinity
  let labels = new Uint8Array(1 << 16)
  const values: Buffer[] = []
  const skipped: RowError[] = []
  let lineNumber = 0
  let dataRows = 0
  try {
    stream = await openSusyData(source)
    outer: for await (const lines of readLines(stream)) {
      for (const line of lines) {
        lineNumber++
        if (dataRows >= limit) break outer
        const row = parseSusyRow(line, lineNumber)
        if (isRowError(row)) {
          if (lineNumber === 1 && looksLikeHeader(line)) { o.onNote?.(`line 1 looks like a header, skipped: ${line.subarray(0, 60).toString('latin1')}`); continue }
          dataRows++
          if (o.skipBad !== true) throw new BadRowError(row, source)
          skipped.push(row)
          o.onSkip?.(row)
          continue
        }
        dataRows++
        if (values.length === labels.length) { const grown = new Uint8Array(labels.length * 2); grown.set(labels); labels = grown }
        labels[values.length] = row.label
        values.push(row.value)
      }
      o.onProgress?.('read', dataRows, o.rows)
    }
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`cannot read ${source}: ${(error as Error).message}`)
  } finally {
    stream?.destroy()
  }
  if (values.length === 0) throw new UsageError(`${source} holds no SUSY rows`)
  return { labels: labels.subarray(0, values.length), values, skipped }
}

/** Sends batches with at most `inFlight` produce requests outstanding; the first failure stops it. */
class BatchSender {
  #pending = new Set<Promise<void>>()
  #failure: Error | null = null
  #sent = 0

  constructor (private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>, private readonly inFlight: number, private readonly onSent: (total: number) => void) {}

  async send (messages: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[]): Promise<void> {
    this.#check()
    const request: Promise<void> = this.producer.send({ messages }).then(
      () => { this.#sent += messages.length; this.onSent(this.#sent) },
      (error: Error) => { this.#failure ??= error }
    ).finally(() => this.#pending.delete(request))
    this.#pending.add(request)
    if (this.#pending.size >= this.inFlight) await Promise.race(this.#pending)
    this.#check()
  }

  async drain (): Promise<void> {
    await Promise.all(this.#pending)
    this.#check()
  }

  #check (): void {
    if (this.#failure !== null) throw new Error(`writing to Kafka failed: ${innermost(this.#failure)}`, { cause: this.#failure })
  }
}

// @platformatic/kafka nests the broker's own words (e.g. "message larger than the max message
// size") inside aggregate errors; those are what a user needs to see.
function innermost (error: Error): string {
  const nested = (error as { errors?: Error[] }).errors
  if (Array.isArray(nested) && nested.length > 0) return [...new Set(nested.map(innermost))].join('; ')
  return error.message
}
