// `streamfit load` against the real broker: partition counts, counts per topic, keys = labels,
// values = the original feature text, --fresh, the CLI's JSON line, and the error paths.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { rejects } from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Consumer, MessagesStreamModes } from '@platformatic/kafka'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig, type Config } from '../../src/config.js'
import { BadRowError, UsageError } from '../../src/errors.js'
import { loadSusy } from '../../src/data/load-susy.js'
import { PACKAGE_ROOT } from '../../src/infra/paths.js'
import { beginningOffsets, deleteTopics, endOffsets, withAdmin } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { runCli } from '../support/cli.js'
import { susyLines, SUSY_8K } from '../support/paths.js'

const suffix = `${process.pid}-${Date.now().toString(36)}`
const env = (tag: string): NodeJS.ProcessEnv => ({
  ...process.env,
  STREAMFIT_TRAIN_TOPIC: `load-train-${tag}-${suffix}`,
  STREAMFIT_TEST_TOPIC: `load-test-${tag}-${suffix}`,
  STREAMFIT_PREDICTIONS_TOPIC: `load-predictions-${tag}-${suffix}`,
  STREAMFIT_DLQ_TOPIC: `load-dlq-${tag}-${suffix}`
})
const config = loadConfig(env('a'))
const used: Config[] = [config]
const topicsOf = (c: Config): string[] => Object.values(c.topics)
const sum = (xs: bigint[]): number => Number(xs.reduce((a, b) => a + b, 0n))

// The sample's rows: feature text -> label.
const sample = new Map<string, number>()
for (const line of susyLines()) {
  const comma = line.indexOf(',')
  sample.set(line.slice(comma + 1), Number(line.slice(0, comma)))
}

interface Read { key: string, value: string, partition: number }

/** Every record of a topic, read from the start by a throwaway group. */
async function readTopic (c: Config, topic: string, expected: number): Promise<Read[]> {
  const consumer = new Consumer({ ...connectionOptions(c.kafka, 'load-test'), groupId: `load-test-${topic}-${Math.random().toString(36).slice(2)}` })
  const records: Read[] = []
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false, maxWaitTime: 500 })
    const deadline = setTimeout(() => { void stream.close() }, 30_000)
    for await (const m of stream) {
      records.push({ key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', partition: m.partition })
      if (records.length >= expected) break
    }
    clearTimeout(deadline)
    await stream.close()
  } finally {
    await consumer.close(true)
  }
  return records
}

test.after(async () => {
  await deleteTopics(config.kafka, used.flatMap(topicsOf)).catch(() => {})
})

test('8,000 rows: 4,800 to train and 3,200 to test, topics with the tutorial partition counts, end offsets agree', async () => {
  const result = await loadSusy(config, { data: SUSY_8K, fresh: true })
  assert.is(result.train, 4800)
  assert.is(result.test, 3200)
  assert.is(result.synthetic, false)
  assert.equal(result.skipped, [])
  const partitions = await withAdmin(config.kafka, async admin => {
    const metadata = await admin.metadata({ topics: topicsOf(config) })
    return topicsOf(config).map(t => metadata.topics.get(t)?.partitionsCount)
  })
  assert.equal(partitions, [1, 2, 2, 1], 'train 1, test 2, predictions 2, dlq 1')
  assert.is(sum(await endOffsets(config.kafka, config.topics.train)), 4800)
  assert.is(sum(await endOffsets(config.kafka, config.topics.test)), 3200)
  assert.is(sum(await endOffsets(config.kafka, config.topics.predictions)), 0)
})

test('every input row arrives once; key = its label, value = its feature text verbatim; labels split by partition', async () => {
  const train = await readTopic(config, config.topics.train, 4800)
  const tests = await readTopic(config, config.topics.test, 3200)
  assert.is(train.length, 4800)
  assert.is(tests.length, 3200)
  const seen = new Set<string>()
  for (const r of [...train, ...tests]) {
    assert.ok(sample.has(r.value), 'the value is the exact text of an input row\'s 18 features')
    assert.is(r.key, String(sample.get(r.value)), 'key = label')
    seen.add(r.value)
    const numbers = r.value.split(',').map(Number)
    assert.is(numbers.length, 18)
  }
  assert.is(seen.size, 8000, 'no row twice, none missing')
  // Precision: the text is kept, so a reader's parse gives the very doubles the file's text gives.
  const one = tests[0].value
  assert.equal(one.split(',').map(Number), one.split(',').map(t => Number.parseFloat(t)))
  // Java's partitioner puts "0" on partition 0 and "1" on partition 1, as in the tutorial's lag table.
  assert.ok(tests.every(r => r.partition === Number(r.key)))
  const zeros = tests.filter(r => r.key === '0').length
  assert.equal((await endOffsets(config.kafka, config.topics.test)).map(Number), [zeros, 3200 - zeros])
  const signalShare = [...train, ...tests].filter(r => r.key === '1').length / 8000
  assert.ok(Math.abs(signalShare - 3657 / 8000) < 1e-9, 'the sample has 3,657 signal rows')
})

test('without --fresh rows are appended; --fresh really empties the topics first', async () => {
  await loadSusy(config, { data: SUSY_8K, rows: 1000 })
  assert.is(sum(await endOffsets(config.kafka, config.topics.train)), 4800 + 600)
  const again = await loadSusy(config, { data: SUSY_8K, rows: 1000, fresh: true })
  assert.is(again.train + again.test, 1000)
  assert.is(sum(await endOffsets(config.kafka, config.topics.train)), 600)
  assert.is(sum(await endOffsets(config.kafka, config.topics.test)), 400)
  assert.equal(await beginningOffsets(config.kafka, config.topics.test), [0n, 0n], 'recreated, not truncated')
})

test('generated rows: exact split, labelled synthetic', async () => {
  const c = loadConfig(env('s'))
  used.push(c)
  const result = await loadSusy(c, { synthetic: 5000, seed: 9 })
  assert.is(result.synthetic, true)
  assert.is(result.train, 3000)
  assert.is(result.test, 2000)
  assert.is(sum(await endOffsets(c.kafka, c.topics.test)), 2000)
})

test('a malformed row stops the load before any topic is touched; --skip-bad loads the rest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-load-'))
  try {
    const lines = susyLines().slice(0, 50)
    lines[9] = lines[9].split(',').slice(0, 10).join(',')
    const bad = join(dir, 'bad.csv')
    writeFileSync(bad, lines.join('\n') + '\n')
    const c = loadConfig(env('b'))
    used.push(c)
    await rejects(() => loadSusy(c, { data: bad }), (e: Error) => e instanceof BadRowError && /line 10: expected 19 columns/.test(e.message))
    const exists = await withAdmin(c.kafka, async admin => (await admin.listTopics()).includes(c.topics.train))
    assert.not.ok(exists, 'nothing created or written')
    const skipped: number[] = []
    const result = await loadSusy(c, { data: bad, skipBad: true, onSkip: r => skipped.push(r.line) })
    assert.equal(skipped, [10])
    assert.is(result.train + result.test, 49)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('no broker at the address: a one-line error naming it and `streamfit up`', async () => {
  const c = loadConfig({ ...process.env, KAFKA_BROKERS: '127.0.0.1:1' })
  await rejects(() => loadSusy(c, { synthetic: 10 }), (e: Error) => e instanceof UsageError && e.message.includes('127.0.0.1:1') && e.message.includes('streamfit up') && !e.message.includes('\n'))
})

test('`streamfit load --fresh --data data/susy-8k.csv.gz --json` ends with the contract line; the broker agrees', async () => {
  const defaults = loadConfig() // the real susy-* topics, as a user's run writes them
  const { stdout } = await runCli(['load', '--fresh', '--data', 'data/susy-8k.csv.gz', '--json'], {}, { cwd: PACKAGE_ROOT })
  const last = stdout.trim().split('\n').at(-1) ?? ''
  assert.match(last, /^\{"susy-train": 4800, "susy-test": 3200, "wallSeconds": [0-9.]+, "busySeconds": [0-9.]+, "recordsPerSecond": \d+, "synthetic": false\}$/)
  const parsed = JSON.parse(last) as Record<string, unknown>
  assert.equal(Object.keys(parsed), ['susy-train', 'susy-test', 'wallSeconds', 'busySeconds', 'recordsPerSecond', 'synthetic'])
  assert.is(sum(await endOffsets(defaults.kafka, defaults.topics.train)), 4800)
  assert.is(sum(await endOffsets(defaults.kafka, defaults.topics.test)), 3200)
})

test.run()
