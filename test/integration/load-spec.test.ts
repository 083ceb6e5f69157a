// `streamfit init` then `streamfit load --spec` through the CLI, on a small CSV (header, id, a
// missing label) and a small JSON-lines file (no id: keyless), into unique topics, read back by
// a Kafka consumer: every row exactly once in train or test, the seeded split's counts and rows,
// keys, partitions and values as the spec says.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Consumer, MessagesStreamModes } from '@platformatic/kafka'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { shuffledSplit, testCount } from '../../src/data/split.js'
import { deleteTopics, endOffsets, withAdmin } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { javaPartition } from '../../src/kafka/partitioner.js'
import { readSpec } from '../../src/spec/load-spec.js'
import { CliFailure, runCli } from '../support/cli.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()
const dir = mkdtempSync(join(tmpdir(), 'streamfit-load-spec-'))
const topicsUsed: string[] = []
test.after(async () => {
  rmSync(dir, { recursive: true, force: true })
  await deleteTopics(config.kafka, topicsUsed).catch(() => {})
})

interface Read { key: string | null, value: string, partition: number }

async function readTopic (topic: string, expected: number): Promise<Read[]> {
  const consumer = new Consumer({ ...connectionOptions(config.kafka, 'load-spec-test'), groupId: uniqueName('load-spec-read') })
  const records: Read[] = []
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false, maxWaitTime: 500 })
    const deadline = setTimeout(() => { void stream.close() }, 30_000)
    for await (const m of stream) {
      records.push({ key: m.key === undefined || m.key === null || m.key.length === 0 ? null : m.key.toString(), value: m.value?.toString() ?? '', partition: m.partition })
      if (records.length >= expected) break
    }
    clearTimeout(deadline)
    await stream.close()
  } finally {
    await consumer.close(true)
  }
  return records
}

const sum = (xs: bigint[]): number => Number(xs.reduce((a, b) => a + b, 0n))

async function partitionCounts (names: string[]): Promise<Array<number | undefined>> {
  return withAdmin(config.kafka, async admin => {
    const metadata = await admin.metadata({ topics: names })
    return names.map(t => metadata.topics.get(t)?.partitionsCount)
  })
}

test('CSV with a header: init infers the spec, load writes every row once, key = id, value = the row, split as seeded', async () => {
  const name = uniqueName('lspec-csv')
  const colours = ['red', 'green', 'blue']
  const rows = Array.from({ length: 57 }, (_, i) => [`t${i}`, i % 7 === 0 ? '' : (i * 1.25).toFixed(2), colours[i % 3], i % 2 === 0 ? 'yes' : 'no', i === 20 ? '' : String(i % 2)])
  const lines = rows.map(r => r.join(','))
  const csv = join(dir, 'sensor.csv')
  writeFileSync(csv, ['tx_id,reading,colour,active,label', ...lines].join('\n') + '\n')
  const specFile = join(dir, `${name}.spec.yaml`)
  const init = await runCli(['init', '--data', csv, '--name', name, '--out', specFile, '--json'])
  assert.is(init.json.spec, specFile)
  assert.is(init.stdout.trim().split('\n').length, 1, 'with --json stdout holds the JSON line alone; the account is on stderr')
  assert.match(init.stderr, /reading\s+kept as numeric: every value a number; 9 missing in the sample: impute the train mean/)
  assert.match(init.stderr, /colour\s+kept as categorical \(3 values\)/)
  assert.match(init.stderr, /tx_id\s+id: /)
  assert.match(init.stderr, /task: binary: 2 distinct labels, classes 0, 1 .*1 rows without a label/)
  const spec = await readSpec(specFile)
  assert.equal(spec.id, { column: 'tx_id' })
  assert.equal(spec.task, { type: 'binary', classes: ['0', '1'] })
  const topics = [spec.topics.train.name, spec.topics.test.name, spec.topics.predictions.name, spec.topics.deadLetters.name]
  topicsUsed.push(...topics)
  assert.equal(topics, [`${name}-train`, `${name}-test`, `${name}-predictions`, `${name}-dlq`])
  // A second init to the same file is refused without --force.
  const again = await runCli(['init', '--data', csv, '--name', name, '--out', specFile]).catch((e: CliFailure) => e)
  assert.ok(again instanceof CliFailure && again.exit.code === 2 && /exists: pass --force/.test(again.exit.stderr))

  const load = await runCli(['load', '--spec', specFile, '--data', csv, '--json'])
  const nTest = testCount(57, 0.4)
  assert.is(load.json[spec.topics.test.name], nTest)
  assert.is(load.json[spec.topics.train.name], 57 - nTest)
  assert.is(load.json.skipped, 0)
  assert.equal(await partitionCounts(topics), [1, 2, 2, 1])
  assert.is(sum(await endOffsets(config.kafka, spec.topics.predictions.name)), 0)

  const train = await readTopic(spec.topics.train.name, 57 - nTest)
  const held = await readTopic(spec.topics.test.name, nTest)
  const split = shuffledSplit(57, 0.4, 42)
  assert.equal(new Set(held.map(r => r.key)), new Set([...split.test].map(i => rows[i]![0])), 'the test rows are the seeded split\'s')
  assert.equal(new Set(train.map(r => r.key)), new Set([...split.train].map(i => rows[i]![0])))
  const seen = new Map<string, number>()
  for (const r of [...train, ...held]) {
    const i = Number(r.key!.slice(1))
    assert.is(r.value, lines[i], 'the value is the row as a CSV line of format.columns, label included')
    seen.set(r.key!, (seen.get(r.key!) ?? 0) + 1)
  }
  assert.is(seen.size, 57, 'every row arrived')
  assert.ok([...seen.values()].every(n => n === 1), 'and none twice')
  for (const r of held) assert.is(r.partition, javaPartition(Buffer.from(r.key!), 2), 'keys place records as Java\'s partitioner does')
  assert.ok(new Set(held.map(r => r.partition)).size === 2, 'both test partitions hold rows')
  // The row without a label is not dropped by load: it travels with an empty label column.
  assert.ok([...train, ...held].some(r => r.key === 't20' && r.value === 't20,25.00,blue,yes,'))
})

test('JSON lines without an id: keyless records dealt round-robin, value = the line\'s text, multiclass label', async () => {
  const name = uniqueName('lspec-json')
  const kinds = ['bird', 'fish', 'insect']
  const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ size: { w: i / 4, h: i % 5 }, wild: i % 3 === 0, habitat: ['sea', 'land'][i % 2], kind: kinds[i % 3], note: `n${i}` }))
  const jsonl = join(dir, 'animals.jsonl')
  writeFileSync(jsonl, lines.join('\n') + '\n')
  const specFile = join(dir, `${name}.yaml`)
  const init = await runCli(['init', '--data', jsonl, '--name', name, '--label', 'kind', '--out', specFile, '--json'])
  const decisions = init.json.columns as Array<{ column: string, role: string, type?: string }>
  assert.equal(decisions.map(d => `${d.column}:${d.type ?? d.role}`), ['size.w:numeric', 'size.h:numeric', 'wild:boolean', 'habitat:categorical', 'kind:label', 'note:dropped'])
  assert.equal(init.json.task, { type: 'multiclass', classes: kinds, reason: 'multiclass: 3 distinct text labels (at most 50): bird, fish, insect' })
  assert.match(readFileSync(specFile, 'utf8'), /^# yaml-language-server: \$schema=/)
  const spec = await readSpec(specFile)
  topicsUsed.push(spec.topics.train.name, spec.topics.test.name, spec.topics.predictions.name, spec.topics.deadLetters.name)

  const load = await runCli(['load', '--spec', specFile, '--data', jsonl, '--test-fraction', '0.25', '--seed', '7', '--json'])
  assert.is(load.json[spec.topics.test.name], 10)
  assert.is(load.json[spec.topics.train.name], 30)
  const train = await readTopic(spec.topics.train.name, 30)
  const held = await readTopic(spec.topics.test.name, 10)
  const split = shuffledSplit(40, 0.25, 7)
  assert.equal(new Set(held.map(r => r.value)), new Set([...split.test].map(i => lines[i])))
  assert.equal(new Set(train.map(r => r.value)), new Set([...split.train].map(i => lines[i])))
  assert.is(new Set([...train, ...held].map(r => r.value)).size, 40, 'every line once')
  assert.ok([...train, ...held].every(r => r.key === null), 'no label key, no id: no key')
  assert.equal((await endOffsets(config.kafka, spec.topics.test.name)).map(Number), [5, 5], 'dealt evenly over the two partitions')
})

test('--spec without --data, and a spec that does not exist: one-line errors, exit 2', async () => {
  const specFile = join(dir, 'x.spec.yaml')
  writeFileSync(specFile, 'name: x\n')
  const noData = await runCli(['load', '--spec', specFile]).catch((e: CliFailure) => e)
  assert.ok(noData instanceof CliFailure && noData.exit.code === 2)
  assert.match(noData.exit.stderr, /^streamfit: --spec .* needs --data FILE/)
  const missing = await runCli(['load', '--spec', join(dir, 'none.yaml'), '--data', specFile]).catch((e: CliFailure) => e)
  assert.ok(missing instanceof CliFailure && missing.exit.code === 2 && /cannot read it/.test(missing.exit.stderr))
})

test.run()
