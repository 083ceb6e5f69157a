// The registry is the online learner's truth; Kafka's committed offsets follow it. When they are
// ahead of it, the registry lost versions (a Redis restarted without persistence, versions
// deleted): the learner must refuse to start (exit 2, one clear line) instead of rewinding Kafka
// and training those rows again, unless told --from-scratch. And a rebalance that rewinds the
// stream below the learner's position must be skipped, not trained twice, not a crash.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Consumer } from '@platformatic/kafka'
import { Redis } from 'ioredis'
import { loadConfig } from '../../src/config.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { assertLineageTiles, lineageChain, runOnlineCli, spawnOnline, waitForLine, type OnlineFixture } from '../support/online.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()
const ROWS = 1200
const COMMON = ['--max-records', '128', '--save-every', '2', '--stream-timeout', '3000']

const fixtures: OnlineFixture[] = []

/** A fresh one-partition train topic of synthetic labelled rows, registry prefix and group. */
async function fixture (name: string): Promise<OnlineFixture> {
  const f: OnlineFixture = { config, topic: uniqueName(name), dlq: uniqueName(`${name}-dlq`), prefix: `${uniqueName(name)}:`, group: uniqueName(`${name}-g`) }
  fixtures.push(f)
  await writeSynthetic(config.kafka, f.topic, ROWS, { partitions: 1 })
  await ensureTopics(config.kafka, [{ name: f.dlq, partitions: 1 }])
  return f
}

test.after(async () => {
  await deleteTopics(config.kafka, fixtures.flatMap(f => [f.topic, f.dlq])).catch(() => {})
  const redis = new Redis(config.redisUrl)
  for (const f of fixtures) {
    const keys = await redis.keys(`${f.prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
  }
  await redis.quit()
})

test('the registry lost every version: online refuses (exit 2); --from-scratch retrains from the beginning', async () => {
  const f = await fixture('reg-lost')
  const first = await runOnlineCli(f, [...COMMON, '--json'])
  assert.is(first.code, 0, first.stderr)
  assert.is(first.json.rows, ROWS)
  // What a Redis restart without persistence leaves: nothing under the prefix.
  const redis = new Redis(config.redisUrl)
  await redis.del(...await redis.keys(`${f.prefix}*`))
  await redis.quit()

  const refused = await runOnlineCli(f, COMMON)
  assert.is(refused.code, 2, refused.stderr)
  assert.match(refused.stderr, /Kafka holds committed offsets for group .* but the registry has no version of group .*--from-scratch/)
  assert.not.match(refused.stderr, /\n\s+at /, 'one line, no stack trace')

  const again = await runOnlineCli(f, [...COMMON, '--from-scratch', '--json'])
  assert.is(again.code, 0, again.stderr)
  assert.is(again.json.rows, ROWS, 'told to, it retrains the whole topic')
  await assertLineageTiles(f, ROWS)
})

test('the lineage\'s head was deleted: online refuses (exit 2)', async () => {
  const f = await fixture('reg-head')
  const first = await runOnlineCli(f, COMMON)
  assert.is(first.code, 0, first.stderr)
  const chain = await lineageChain(f)
  assert.ok(chain.length >= 2)
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix: f.prefix })
  assert.ok(await registry.delete(chain.at(-1)!.ref))
  await registry.close()

  const refused = await runOnlineCli(f, COMMON)
  assert.is(refused.code, 2, refused.stderr)
  assert.match(refused.stderr, new RegExp(`newest version of group .*lineage \\(${chain.at(-2)!.ref.replace('@', '@')}\\) is older than what was committed`))
})

test('a rebalance rewinds the stream below the learner\'s position: those records are skipped, every row trained once', async () => {
  const f = await fixture('reg-rewind')
  // No save (so no commit) before the stream ends: a rebalance rewinds to the start offsets.
  const child = spawnOnline(f, ['--max-records', '64', '--save-every', '1000,10m', '--stream-timeout', '8000', '--json'], { STREAMFIT_LOG_LEVEL: 'info' })
  await waitForLine(child, /"msg":"model on the/)
  await new Promise(resolve => setTimeout(resolve, 1500))
  // Another member joins the group and leaves: two rebalances; the learner's stream restarts at
  // the group's committed offsets each time.
  const intruder = new Consumer({ ...connectionOptions(config.kafka, 'intruder'), groupId: f.group, autocommit: false, sessionTimeout: 6000, heartbeatInterval: 1000 })
  const stream = await intruder.consume({ topics: [f.topic], mode: 'committed', autocommit: false })
  stream.on('data', () => {})
  await new Promise(resolve => setTimeout(resolve, 3000))
  await stream.close()
  await intruder.close(true)
  const result = await child.result
  assert.is(result.code, 0, result.stderr.slice(-3000))
  assert.match(result.stderr, /already learnt \(the stream was rewound\)/)
  assert.is(result.json.rows, ROWS)
  await assertLineageTiles(f, ROWS)
})

test.run()
