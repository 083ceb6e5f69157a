// Exactly-once scoring on a real three-node KRaft cluster (replication 3, min.insync.replicas 2)
// that the test starts on free ports with its own data directories, while brokers die.
//
// 1. The client rides out a coordinator's death (and `describe`'s replication report shows the
//    topic under-replicated while the node is down): @platformatic/kafka 1.35 cached the group and
//    transaction coordinators for a client's life and threw a TypeError when a node id was missing
//    from its metadata; patches/@platformatic+kafka+1.35.0.patch finds them again (see
//    docs/upstream/coordinator-moves.md). Without the patch this test hangs on the uncaught
//    TypeError or fails with "listCommits failed N times".
// 2. Two groups score input written throughout, one scorer alone and two sharing a group, while
//    the test kills -9 and restarts the leader of an input partition, of an output partition,
//    the transaction coordinator and the group coordinator (each found through the admin API),
//    then restarts all three cleanly one at a time. No scorer exits; Kafka's Java read_committed
//    consumer, the referee, finds every input offset exactly once in each group's output.
// 3. The online learner trains through kill -9 of its partition's leader and of its group
//    coordinator without exiting, and its versions' lineage tiles the topic: no row trained twice
//    or skipped.
// 4. `train` reads its topic through the kill -9 of the topic's leader and finishes every epoch
//    with the same steps (rows) per epoch.
// 5. `load` through a hung follower (SIGSTOP until fenced): its requests time out and are sent
//    again, and the idempotent producer writes every row exactly once.
// About 5 minutes (one cluster start, nine broker restarts).
import { Consumer, Producer } from '@platformatic/kafka'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { ensureTopics, endOffsets, withAdmin } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { loadSusy, susyTopics } from '../../src/data/load-susy.js'
import { replicationReport } from '../../src/kafka/replication-report.js'
import { topicReplication } from '../../src/kafka/replication.js'
import { startCli } from '../support/cli.js'
import { javaReadCommitted } from '../support/java-referee.js'
import { assertLineageTiles, groupVersions, spawnOnline, startOnlineFixture, stopFixtures } from '../support/online.js'
import { uniqueName } from '../support/names.js'
import { feedThroughout, refereeExactlyOnce, refereeInputs, startScorerGroup } from '../support/cluster-scoring.js'
import { committedCount, scorerEnv, waitForMembers } from '../support/scorer-process.js'
import { dropTestModels, storeTestModel } from '../support/stored-model.js'
import { startTestCluster, type TestCluster } from '../support/test-cluster.js'
import { waitFor, withTimeout } from '../support/wait.js'

const config = loadConfig()
let cluster: TestCluster
const uncaught: Error[] = []
const onUncaught = (error: Error): void => { uncaught.push(error) }

test.before(async () => {
  process.on('uncaughtException', onUncaught)
  cluster = await startTestCluster()
})
test.after(async () => {
  process.off('uncaughtException', onUncaught)
  await cluster?.close()
})

test('a killed coordinator is found again: group and transaction calls of live clients succeed, nothing thrown', async () => {
  const { kafka } = cluster
  const topic = uniqueName('clu-coord')
  const group = `${topic}-g`
  const groupNode = await cluster.coordinatorOf('group', group)
  let transactionalId = ''
  for (let i = 0; transactionalId === ''; i++) {
    if (i === 60) throw new Error(`no transactional id of 60 tried is coordinated by node ${groupNode}`)
    if (await cluster.coordinatorOf('transaction', `${topic}-tx${i}`) === groupNode) transactionalId = `${topic}-tx${i}`
  }
  await ensureTopics(kafka, [{ name: topic, partitions: 2 }])
  const replication = await withAdmin(kafka, admin => topicReplication(admin, [topic]))
  assert.equal(replication.map(r => r.replicas), [3, 3], 'topics take the cluster default: 3 replicas')
  await withAdmin(kafka, admin => admin.alterConsumerGroupOffsets({ groupId: group, topics: [{ name: topic, partitionOffsets: [{ partition: 0, offset: 0n }, { partition: 1, offset: 0n }] }] }))
  // Retries spanning ~15 s: longer than a dead broker takes to be fenced and its roles to move.
  const retrying = { retries: 30, retryDelay: 500 }
  const consumer = new Consumer({ ...connectionOptions(kafka, 'coord'), ...retrying, groupId: group })
  const producer = new Producer({ ...connectionOptions(kafka, 'coord-tx'), ...retrying, idempotent: true, transactionalId })
  const transaction = async (n: number): Promise<void> => {
    const tx = await producer.beginTransaction()
    await tx.send({ messages: [{ topic, key: Buffer.from(String(n)), value: Buffer.from(`tx ${n}`) }] })
    await tx.commit()
  }
  try {
    await consumer.listCommittedOffsets({ topics: [{ topic, partitions: [0, 1] }] })
    await transaction(1)
    // One kill for both: the transactional id was chosen to share its coordinator's node with the group.
    const node = await cluster.coordinatorOf('group', group)
    assert.is(await cluster.coordinatorOf('transaction', transactionalId), node)
    await cluster.stop(node, 'SIGKILL')
    // What `describe` (and the dashboard's poll) reports with a node down: both partitions 2 of 3 in sync, a warning each.
    const report = await waitFor('the topic under-replicated', async () => {
      const r = await replicationReport(kafka, [topic])
      return 'topics' in r && r.topics[0]?.underReplicated.length === 2 ? r : null
    }, { timeoutMs: 30_000, everyMs: 500 })
    assert.equal('topics' in report && report.topics, [{ topic, partitions: 2, replicas: 3, inSync: 2, underReplicated: [0, 1], leaderless: [] }])
    assert.equal('warnings' in report && report.warnings, [0, 1].map(p => `warning: ${topic} partition ${p} is under-replicated: 2 of 3 replicas in sync`))
    const commits = await withTimeout(consumer.listCommittedOffsets({ topics: [{ topic, partitions: [0, 1] }] }), 60_000, 'listCommittedOffsets after the group coordinator died')
    assert.equal(commits.get(topic), [0n, 0n])
    await withTimeout(transaction(2), 60_000, 'a transaction after the transaction coordinator died')
    await cluster.start(node)
    const lines = await javaReadCommitted(cluster.brokers, topic)
    assert.equal(lines.map(l => l.split(' ').slice(2).join(' ')).sort(), ['tx 1', 'tx 2'])
    assert.equal(uncaught.map(e => e.message), [], 'nothing thrown out of the client')
  } finally {
    await Promise.all([consumer.close().catch(() => {}), producer.close().catch(() => {})])
  }
})

/** `count` keys `${prefix}${i}` whose coordinator (of `kind`) is `node`: one kill then moves all of them. */
async function keysCoordinatedBy (kind: 'group' | 'transaction', node: number, prefix: string, count: number): Promise<string[]> {
  const keys: string[] = []
  for (let i = 0; keys.length < count; i++) {
    if (i === 90) throw new Error(`fewer than ${count} of 90 ${kind} keys are coordinated by node ${node}`)
    if (await cluster.coordinatorOf(kind, `${prefix}${i}`) === node) keys.push(`${prefix}${i}`)
  }
  return keys
}

// One run of bounces serves both cases of the issue: a lone scorer (group A) and two scorers
// sharing a group (group B), reading the same input into their own outputs. Both groups and all
// three transactional ids share their coordinators, so each kill moves the coordinator of all.
test('one scorer, and two sharing a group, ride out kill -9 of leaders and coordinators and a rolling restart: every input scored exactly once by each group, no exit', async () => {
  const { kafka } = cluster
  const id = uniqueName('eosc')
  const envA = scorerEnv(id, cluster.brokers, config.redisUrl)
  const envB = { ...envA, predictions: `${id}-pred2`, dlq: `${id}-dlq2` }
  const groupA = `${id}-g`
  const groupNode = await cluster.coordinatorOf('group', groupA)
  const [groupB] = await keysCoordinatedBy('group', groupNode, `${id}-g`, 1)
  const txNode = await cluster.coordinatorOf('transaction', `${id}-tx0`)
  const [txA, txB1, txB2] = await keysCoordinatedBy('transaction', txNode, `${id}-tx`, 3)
  const partitions = 4
  await ensureTopics(kafka, [{ name: envA.input, partitions }, { name: envA.predictions, partitions }, { name: envB.predictions, partitions },
    { name: envA.dlq, partitions: 1 }, { name: envB.dlq, partitions: 1 }])
  await storeTestModel(envA.redisUrl, envA.registryPrefix)
  const feeder = feedThroughout(kafka, envA.input, partitions)
  const args = ['--batch-size', '200', '--max-wait-ms', '50', '--session-timeout', '10000', '--stream-timeout', '-1', '--backend', 'wasm']
  const groups = [startScorerGroup(envA, groupA, [txA!], args), startScorerGroup(envB, groupB!, [txB1!, txB2!], args)]
  const events: string[] = []
  const progress = (what: string): Promise<unknown> => Promise.all(groups.map(g => g.progress(kafka, what)))
  try {
    await progress('the start')
    await waitForMembers(kafka, groupB!, 2, 60_000)
    const bounce = async (what: string, node: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> => {
      const started = Date.now()
      const lap = (): string => ((Date.now() - started) / 1000).toFixed(1)
      await cluster.stop(node, signal)
      const stopped = lap()
      // The scorers commit with the node away (it is not started again before that is seen).
      await progress(`${what} (node ${node}) stopped`)
      const rode = lap()
      await cluster.start(node)
      const back = lap()
      await cluster.inSync([envA.input, envA.predictions, envB.predictions])
      await progress(`${what} (node ${node}) restarted`)
      events.push(`${signal} ${what} node ${node}: gone ${stopped} s, committed ${rode}, back ${back}, done ${lap()} s`)
    }
    await bounce('leader of an input partition', await cluster.leaderOf(envA.input, 0), 'SIGKILL')
    // Output leaders: partition 1 of A's output, and whichever partition of B's the same node leads.
    const outputNode = await cluster.leaderOf(envA.predictions, 1)
    const leadersB = await Promise.all([0, 1, 2, 3].map(p => cluster.leaderOf(envB.predictions, p)))
    await bounce('leader of an output partition of each group', outputNode, 'SIGKILL')
    if (!leadersB.includes(outputNode)) await bounce('leader of an output partition of group B', leadersB[1]!, 'SIGKILL')
    await bounce('transaction coordinator of all three scorers', txNode, 'SIGKILL')
    await bounce('group coordinator of both groups', groupNode, 'SIGKILL')
    for (const node of [1, 2, 3]) await bounce('rolling restart', node, 'SIGTERM')
    process.stderr.write(`eos-cluster: ${events.join('; ')}\n`)
  } finally {
    await feeder.stop()
  }
  try {
    const ends = await endOffsets(kafka, envA.input)
    const total = ends.reduce((a, b) => a + Number(b), 0)
    for (const g of groups) {
      await waitFor(`group ${g.group} to commit every input`, async () => {
        if (g.exitedEarly() !== undefined) throw new Error(g.exitedEarly())
        return (await committedCount(kafka, g.group, envA.input)) >= total
      }, { timeoutMs: 120_000, everyMs: 250 })
    }
    assert.equal(groups.map(g => g.exitedEarly()), [undefined, undefined], 'no scorer exited')
    for (const s of groups.flatMap(g => g.scorers)) s.child.kill('SIGTERM')
    const records = await Promise.all(groups.flatMap(g => g.scorers).map(async s => Number((await s.result()).records)))
    assert.ok(records.every(n => n > 0), `every scorer scored records (two sharing group B): ${records.join(', ')}`)

    // The referee: Kafka's Java read_committed consumer on the input and both outputs.
    const inputs = await refereeInputs(cluster.brokers, envA.input)
    assert.is(inputs.length, total, 'the referee reads every input record')
    for (const output of [envA.predictions, envB.predictions]) {
      const report = await refereeExactlyOnce(cluster.brokers, output, inputs)
      const summary = `${report.summary}; ${events.join('; ')}`
      assert.is(report.duplicates.length + report.missing.length, 0, summary)
      assert.is(report.distinct, inputs.length, summary)
      process.stderr.write(`eos-cluster: ${report.summary}\n`)
    }
    process.stderr.write(`eos-cluster: scored per scorer ${records.join(', ')}; feeder retried ${feeder.failures()} sends\n`)
  } finally {
    for (const s of groups.flatMap(g => g.scorers)) if (s.child.exitCode === null) s.child.kill('SIGKILL')
    await dropTestModels(envA.redisUrl, envA.registryPrefix)
  }
})

test('online learning through kill -9 of its partition\'s leader and of its group coordinator: no exit, every row trained exactly once', async () => {
  const f = await startOnlineFixture({ ...config, kafka: cluster.kafka }, 'online-clu', 8000)
  try {
    const online = spawnOnline(f, ['--max-records', '128', '--save-every', '2', '--epochs-per-batch', '3', '--stream-timeout', '10000', '--json'])
    let exited: string | undefined
    void online.result.then(r => { exited ??= `online exited with ${r.code ?? r.signal}: ${r.stderr.slice(-1500)}` })
    const saved = async (what: string): Promise<void> => {
      const from = (await groupVersions(f)).length
      await waitFor(`a version saved after ${what}`, async () => {
        if (exited !== undefined) throw new Error(exited)
        return (await groupVersions(f)).length > from
      }, { timeoutMs: 90_000, everyMs: 250 })
    }
    await saved('the start')
    for (const [what, node] of [['the leader of its partition', await cluster.leaderOf(f.topic, 0)], ['its group coordinator', await cluster.coordinatorOf('group', f.group)]] as const) {
      await cluster.stop(node, 'SIGKILL')
      await saved(`${what} (node ${node}) was killed`)
      await cluster.start(node)
    }
    const result = await online.result
    assert.is(result.code, 0, result.stderr.slice(-2000))
    await assertLineageTiles(f, 8000)
  } finally {
    await stopFixtures()
  }
})

test('train through kill -9 of its topic\'s leader: every epoch, the same steps each epoch, no exit', async () => {
  const f = await startOnlineFixture({ ...config, kafka: cluster.kafka }, 'train-clu', 8000)
  const epochs = 12
  try {
    const train = startCli('train', ['train', '--epochs', String(epochs), '--patience', '0', '--backend', 'wasm', '--batch-size', '64'], {
      KAFKA_BROKERS: cluster.brokers, REDIS_URL: config.redisUrl, STREAMFIT_REGISTRY_PREFIX: f.prefix, STREAMFIT_TRAIN_TOPIC: f.topic, STREAMFIT_DLQ_TOPIC: f.dlq
    })
    await waitFor('the first epoch', () => {
      if (train.child.exitCode !== null) throw new Error(`train exited: ${train.stderr().slice(-1500)}`)
      return /^Epoch 1\//m.test(train.stdout())
    }, { timeoutMs: 120_000, everyMs: 100 })
    const node = await cluster.leaderOf(f.topic, 0)
    await cluster.stop(node, 'SIGKILL')
    await cluster.start(node)
    const exit = await train.exited
    assert.is(exit.code, 0, exit.stderr.slice(-2000))
    const steps = [...exit.stdout.matchAll(/^Epoch (\d+)\/\d+ - (\d+) steps/gm)].map(m => Number(m[2]))
    assert.is(steps.length, epochs, exit.stdout)
    assert.ok(steps.every(s => s === steps[0]), `the same steps every epoch: ${steps.join(', ')}`)
  } finally {
    await stopFixtures()
  }
})

// A follower that hangs (SIGSTOP: a long GC pause, a frozen VM) holds every acks=all request of
// its partitions until the controller fences it (broker.session.timeout.ms, 4 s here). Requests
// time out at 1.5 s and are sent again while the first copy sits in the leader's log: a plain
// producer writes those rows twice (CLUSTER_LOAD_PLAIN=1 runs it: 4,513 of 60,000 rows twice
// when tried), the idempotent loader's retries are dropped by the broker as repeats. Kafka's
// Java read_committed consumer counts every row once.
test('load through a hung follower: requests time out and are retried, every row written exactly once', async () => {
  const id = uniqueName('load-clu')
  const topics = { train: `${id}-train`, test: `${id}-test`, predictions: `${id}-pred`, dlq: `${id}-dlq` }
  const rows = Number(process.env.CLUSTER_LOAD_ROWS ?? 60_000)
  const cfg = { ...config, kafka: cluster.kafka, topics }
  // The topics exist first (load keeps them), so the follower is known and is stopped the moment the first rows are acknowledged.
  await ensureTopics(cluster.kafka, susyTopics(cfg))
  const leader = await cluster.leaderOf(topics.train, 0)
  const node = [1, 2, 3].find(n => n !== leader)!
  let written = 0
  let pausing: Promise<{ node: number, writtenWhenFenced: number }> | undefined
  const pauseFollower = async (): Promise<{ node: number, writtenWhenFenced: number }> => {
    await cluster.pause(node) // SIGSTOP is sent synchronously, before the next request goes out
    const writtenWhenFenced = written
    await new Promise(resolve => setTimeout(resolve, 1000))
    cluster.resume(node)
    return { node, writtenWhenFenced }
  }
  const result = await loadSusy(cfg, {
    synthetic: rows,
    requestTimeoutMs: 1500,
    ...(process.env.CLUSTER_LOAD_PLAIN === '1' ? { idempotent: false } : {}), // to see the test fail without the fix
    onProgress: (phase, done) => {
      if (phase !== 'write') return
      written = done
      pausing ??= pauseFollower()
    }
  })
  const pause = await pausing!
  assert.ok(pause.writtenWhenFenced < rows, `the load was still writing when node ${pause.node} was fenced (${pause.writtenWhenFenced} of ${rows} rows acknowledged)`)
  assert.is(result.train + result.test, rows)
  const values = [...await javaReadCommitted(cluster.brokers, topics.train), ...await javaReadCommitted(cluster.brokers, topics.test)].map(l => l.split(' ').slice(2).join(' '))
  const distinct = new Set(values).size
  process.stderr.write(`eos-cluster: load through hung node ${pause.node} (fenced at ${pause.writtenWhenFenced} rows): ${values.length} records read, ${distinct} distinct, ${rows} written\n`)
  assert.is(distinct, rows, 'every row arrived')
  assert.is(values.length, rows, `no row twice: ${values.length - distinct} duplicates`)
  await cluster.inSync([topics.train, topics.test])
})

test.run()
