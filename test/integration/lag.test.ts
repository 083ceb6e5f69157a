// lag and reset against the real broker: per-partition committed/end/lag, and resets that
// refuse while the group is alive, change nothing on --dry-run, clamp offsets, and find times;
// describe's replication section read from the broker.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Producer } from '@platformatic/kafka'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { UsageError } from '../../src/errors.js'
import { deleteTopics, withAdmin } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { groupLag, resetGroupOffsets } from '../../src/kafka/group-offsets.js'
import { committedOffsets } from '../../src/kafka/offsets.js'
import { createGroupConsumer } from '../../src/sources/group-consumer.js'
import { formatLag } from '../../src/commands/lag.js'
import { parseTarget } from '../../src/commands/reset.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'
import { CliFailure, runCli } from '../support/cli.js'

const { kafka } = loadConfig()

async function commit (group: string, topic: string, offsets: bigint[]): Promise<void> {
  await withAdmin(kafka, admin => admin.alterConsumerGroupOffsets({ groupId: group, topics: [{ name: topic, partitionOffsets: offsets.map((offset, partition) => ({ partition, offset })) }] }))
}

test('lag: committed, end and lag per partition; a never-committed partition lags from its beginning', async () => {
  const topic = uniqueName('lag')
  const group = `${topic}-g`
  try {
    await writeSynthetic(kafka, topic, 30, { partitions: 3 })
    await commit(group, topic, [4n, 10n])
    const rows = await groupLag(kafka, group, [topic])
    assert.equal(rows.map(r => [r.partition, r.committed, r.end, r.lag]), [[0, 4n, 10n, 6n], [1, 10n, 10n, 0n], [2, null, 10n, 10n]])
    const table = formatLag(group, rows)
    assert.match(table, /CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG/)
    assert.match(table, new RegExp(`${topic}\\s+2\\s+-\\s+10\\s+10`))
  } finally {
    await deleteTopics(kafka, [topic])
  }
})

test('describe reads each topic\'s replication from the broker: on one broker 1 replica, 1 in sync, no warning; a topic not yet created is named', async () => {
  const topic = uniqueName('describe-rep')
  const env = { STREAMFIT_TEST_TOPIC: topic, STREAMFIT_PREDICTIONS_TOPIC: `${topic}-pred`, STREAMFIT_DLQ_TOPIC: `${topic}-dlq` }
  try {
    await writeSynthetic(kafka, topic, 4, { partitions: 2 })
    const json = JSON.parse((await runCli(['describe', 'score', '--json'], env)).stdout) as { replication: { topics: unknown[], missing: string[], warnings: string[] } }
    assert.equal(json.replication.topics, [{ topic, partitions: 2, replicas: 1, inSync: 1, underReplicated: [], leaderless: [] }])
    assert.equal(json.replication.missing.sort(), [`${topic}-dlq`, `${topic}-pred`])
    assert.equal(json.replication.warnings, [])
    const text = await runCli(['describe', 'score'], env)
    assert.ok(text.stdout.includes(`\n  Replication:\n`), text.stdout)
    assert.ok(text.stdout.includes(`    ${topic}: 2 partitions, 1 replica, 1 in sync\n`), text.stdout)
    assert.ok(text.stdout.includes(`    ${topic}-pred: not created yet\n`), text.stdout)
    assert.not.match(text.stderr, /warning/)
  } finally {
    await deleteTopics(kafka, [topic])
  }
})

test('reset: refuses while the group has a live member, --dry-run changes nothing, offsets clamp, datetimes resolve', async () => {
  const topic = uniqueName('reset')
  const group = `${topic}-g`
  try {
    await writeSynthetic(kafka, topic, 20, { partitions: 2 }) // 10 per partition
    await commit(group, topic, [7n, 9n])

    const consumer = createGroupConsumer({ groupId: group, kafka })
    const stream = await consumer.consume({ topics: [topic], autocommit: false })
    try {
      await resetGroupOffsets(kafka, group, { to: 'earliest' }).then(() => assert.unreachable('reset with a live member'), (e: Error) => {
        assert.instance(e, UsageError)
        assert.match(e.message, /live member/)
      })
    } finally {
      await stream.close()
      await consumer.close()
    }

    const dry = await resetGroupOffsets(kafka, group, { to: 'earliest' }, { dryRun: true })
    assert.equal(dry.map(p => [p.current, p.target]), [[7n, 0n], [9n, 0n]])
    const read = async (): Promise<bigint[]> => [...((await withAdmin(kafka, a => committedOffsets(a, group))).get(topic)?.values() ?? [])]
    assert.equal(await read(), [7n, 9n], 'dry run left the offsets alone')

    await resetGroupOffsets(kafka, group, { to: 'offset', offset: 50n })
    assert.equal(await read(), [10n, 10n], 'an offset past the end clamps to the end')

    // Records written after `cut` are found by time.
    await new Promise(resolve => setTimeout(resolve, 20))
    const cut = new Date()
    const producer = new Producer({ ...connectionOptions(kafka, 'reset-test') })
    await producer.send({ messages: [{ topic, partition: 1, key: Buffer.from('1'), value: Buffer.from('late') }] })
    await producer.close()
    const plan = await resetGroupOffsets(kafka, group, { to: 'datetime', timestamp: cut })
    assert.equal(plan.map(p => p.target), [10n, 10n], 'partition 0: no record after the time -> its end; partition 1: the late record')

    assert.throws(() => parseTarget({ toEarliest: true, toLatest: true }), /exactly one/)
    assert.throws(() => parseTarget({ toDatetime: 'yesterday' }), /ISO-8601/)
    assert.equal(parseTarget({ toOffset: '12' }), { to: 'offset', offset: 12n })
  } finally {
    await deleteTopics(kafka, [topic])
  }
})

test('lag and reset --spec: only the spec\'s train and test topics the group committed; none is said so', async () => {
  const name = uniqueName('lagspec')
  const topics = { train: `${name}-train`, test: `${name}-test`, other: `${name}-other` }
  const group = `${name}-g`
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-lag-spec-'))
  try {
    await writeSynthetic(kafka, topics.test, 20, { partitions: 2 })
    await writeSynthetic(kafka, topics.other, 10, { partitions: 1 })
    await commit(group, topics.test, [3n, 10n])
    await commit(group, topics.other, [4n])
    const spec = join(dir, 'spec.json')
    writeFileSync(spec, JSON.stringify({
      name, topics: { train: { name: topics.train }, test: { name: topics.test }, predictions: { name: `${name}-p` }, deadLetters: { name: `${name}-dlq` } },
      format: { type: 'csv' }, label: { key: true }, features: [{ type: 'numeric', from: { column: 0 } }], task: { type: 'binary' }
    }))
    const lag = await runCli(['lag', '--spec', spec, '--group', group, '--json'])
    const rows = JSON.parse(lag.stdout) as Array<Record<string, unknown>>
    assert.equal(rows.map(({ topic, partition, committed, end, lag }) => ({ topic, partition, committed, end, lag })), [{ topic: topics.test, partition: 0, committed: 3, end: 10, lag: 7 }, { topic: topics.test, partition: 1, committed: 10, end: 10, lag: 0 }])
    assert.ok(rows.every(r => typeof r.replicas === 'number' && r.replicas >= 1 && r.inSync === r.replicas), 'replication beside the offsets')
    const all = await runCli(['lag', '--group', group, '--json'])
    assert.equal((JSON.parse(all.stdout) as Array<{ topic: string }>).map(r => r.topic), [topics.other, topics.test, topics.test], 'without --spec: every topic committed')
    const reset = await runCli(['reset', '--spec', spec, '--group', group, '--to-earliest', '--dry-run', '--json'])
    assert.equal((reset.json.partitions as Array<{ topic: string, target: number }>).map(p => [p.topic, p.target]), [[topics.test, 0], [topics.test, 0]])

    const stranger = `${name}-stranger`
    await commit(stranger, topics.other, [1n])
    assert.is((await runCli(['lag', '--spec', spec, '--group', stranger])).stdout, `group ${stranger} has no committed offsets on the topics of spec ${name} (${topics.train}, ${topics.test})\n`)
    const refused = await runCli(['reset', '--spec', spec, '--group', stranger, '--to-earliest']).catch((e: CliFailure) => e)
    assert.ok(refused instanceof CliFailure && refused.exit.code === 2, 'a usage error')
    assert.match(refused.exit.stderr, `group ${stranger} has no committed offsets on the topics of spec ${name}`)
    assert.equal([...((await withAdmin(kafka, a => committedOffsets(a, stranger))).get(topics.other)?.values() ?? [])], [1n], 'nothing moved')
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await deleteTopics(kafka, Object.values(topics))
  }
})

test.run()
