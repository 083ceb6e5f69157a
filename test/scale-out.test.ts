// Scale-out: several `streamfit score` processes in one consumer group, each with its own
// transactional id, share the partitions of a 6-partition input topic. Throughput grows with
// instances, and exactly-once holds when instances are killed with SIGKILL and restarted.
//
// Throughput is measured fairly: the input is written inside ONE Kafka transaction that stays
// open while the scorers start and the group settles; read_committed consumers see nothing
// until it commits, then every record at once. The clock runs from that commit until the
// group's committed offsets (which commit with the predictions) cover every record.
import { writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { Admin, Producer } from '@platformatic/kafka'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../src/config.js'
import { deleteTopics, ensureTopics, withAdmin } from '../src/kafka/admin.js'
import { connectionOptions } from '../src/kafka/connection.js'
import { committedOffsets } from '../src/kafka/group-offsets.js'
import { summarize, verifyExactlyOnce } from './support/eos-verifier.js'
import { syntheticRow, uniqueName } from './support/synthetic.js'
import { dropRegistry, saveSeededModel, startCli, waitFor, withTimeout, type CliProcess } from './service-helpers.js'

const config = loadConfig()
const id = uniqueName('scale')
const prefix = `${id}:`
const PARTITIONS = 6
const ROWS = Number(process.env.SCALE_OUT_ROWS ?? 30_000)
const BATCH = Number(process.env.SCALE_OUT_BATCH ?? 1024)
/** Runnable threads per core (load average) above which wall-clock rates measure the neighbours. */
const OVERLOADED_PER_CORE = 3
const created: string[] = []

test.before(async () => {
  await saveSeededModel(prefix)
})

test.after(async () => {
  await admin?.close()
  await deleteTopics(config.kafka, created)
  await dropRegistry(prefix)
})

interface Run {
  input: string
  output: string
  dlq: string
  group: string
  env: Record<string, string>
}

function newRun (name: string): Run {
  const base = `${id}-${name}`
  const run = { input: `${base}-in`, output: `${base}-out`, dlq: `${base}-dlq`, group: `${base}-g` }
  created.push(run.input, run.output, run.dlq)
  return {
    ...run,
    env: { STREAMFIT_TEST_TOPIC: run.input, STREAMFIT_PREDICTIONS_TOPIC: run.output, STREAMFIT_DLQ_TOPIC: run.dlq, STREAMFIT_REGISTRY_PREFIX: prefix }
  }
}

/** Writes ROWS rows round-robin over the partitions inside one transaction; returns its commit. */
async function preloadInTransaction (run: Run): Promise<() => Promise<void>> {
  await ensureTopics(config.kafka, [{ name: run.input, partitions: PARTITIONS }, { name: run.output, partitions: PARTITIONS }, { name: run.dlq, partitions: 1 }])
  // timeout doubles as the transaction timeout: long enough for the scorers to start.
  const producer = new Producer({ ...connectionOptions(config.kafka, 'scale-loader'), idempotent: true, transactionalId: `${run.input}-loader`, timeout: 120_000 })
  const tx = await producer.beginTransaction()
  for (let start = 0; start < ROWS; start += 3000) {
    const messages = []
    for (let i = start; i < Math.min(ROWS, start + 3000); i++) {
      const row = syntheticRow(i)
      messages.push({ topic: run.input, partition: i % PARTITIONS, key: Buffer.from(row.key), value: Buffer.from(row.value) })
    }
    await tx.send({ messages })
  }
  return async () => {
    await tx.commit()
    await producer.close()
  }
}

function startScorer (run: Run, n: number): CliProcess {
  return startCli(`scorer-${n}`, [
    'score', '--group', run.group, '--transactional-id', `${run.group}-tx-${n}`, '--stream-timeout', '-1',
    '--batch-size', String(BATCH), '--backend', 'wasm', '--json'
  ], run.env)
}

/** Waits until the group is stable with `members` members that share all partitions. */
async function waitForGroup (run: Run, members: number): Promise<void> {
  await waitFor(`group ${run.group} stable with ${members} members`, () => withAdmin(config.kafka, async admin => {
    const group = (await admin.describeGroups({ groups: [run.group] })).get(run.group)
    if (group === undefined || group.state !== 'STABLE' || group.members.size !== members) return false
    const owned = [...group.members.values()].flatMap(m => m.assignments?.get(run.input)?.partitions ?? [])
    return owned.length === PARTITIONS && [...group.members.values()].every(m => (m.assignments?.get(run.input)?.partitions.length ?? 0) > 0)
  }), { timeoutMs: 90_000, everyMs: 250 })
}

// One admin client for the polls: a new connection every 50 ms would load the broker being measured.
let admin: Admin | undefined

/** Records whose offsets the group has committed (each commits with its prediction). */
async function committedRecords (run: Run): Promise<number> {
  admin ??= new Admin(connectionOptions(config.kafka, 'scale-poll'))
  const offsets = await committedOffsets(admin, run.group, { topics: [run.input] })
  let total = 0
  for (const offset of offsets.get(run.input)?.values() ?? []) total += Number(offset)
  return total
}

async function stopAll (scorers: CliProcess[]): Promise<Array<number | null>> {
  for (const s of scorers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM')
  return Promise.all(scorers.map(s => withTimeout(s.exited, 30_000, `${s.name} to exit after SIGTERM`).then(e => e.code, () => {
    s.child.kill('SIGKILL')
    return null
  })))
}

async function throughput (instances: number): Promise<number> {
  const run = newRun(`x${instances}`)
  const commitInput = await preloadInTransaction(run)
  const scorers = Array.from({ length: instances }, (_, n) => startScorer(run, n))
  try {
    await waitForGroup(run, instances)
    const started = performance.now()
    await commitInput()
    await waitFor(`${ROWS} records scored by ${instances} instance(s)`, async () => await committedRecords(run) >= ROWS, { timeoutMs: 180_000, everyMs: 50 })
    const seconds = (performance.now() - started) / 1000
    const codes = await stopAll(scorers)
    if (process.env.SCALE_OUT_LOGS) scorers.forEach((s, i) => writeFileSync(`${process.env.SCALE_OUT_LOGS}/x${instances}-${i}.log`, s.stderr()))
    assert.equal(codes, scorers.map(() => 0), `every scorer exits 0 on SIGTERM\n${scorers.map(s => s.stderr().slice(-1500)).join('\n---\n')}`)
    const report = await verifyExactlyOnce(config.kafka, { inputTopic: run.input, predictionsTopic: run.output, dlqTopic: run.dlq })
    assert.ok(report.inputs === ROWS && report.duplicates.length === 0 && report.missing.length === 0 && report.unexpected.length === 0, summarize(report))
    const rate = ROWS / seconds
    console.log(`  scale-out: ${instances} instance(s): ${ROWS} records in ${seconds.toFixed(2)} s = ${Math.round(rate)} records/s`)
    return rate
  } finally {
    for (const s of scorers) s.child.kill('SIGKILL')
  }
}

let one = 0
test('one scorer: baseline throughput', async () => {
  one = await throughput(1)
  assert.ok(one > 0)
})

test('three scorers in one group share 6 partitions and score faster than one', async () => {
  const three = await throughput(3)
  const ratio = three / one
  const load = loadavg()[0]!
  const cores = availableParallelism()
  console.log(`  scale-out: 3 instances / 1 instance = ${ratio.toFixed(2)} (load average ${load.toFixed(1)} on ${cores} cores)`)
  // Wall-clock throughput only says something about instances when the CPUs are not owned by
  // other programs: on a machine with several runnable threads per core for the whole run, the
  // broker and the scorers wait in the run queue and the ratio measures the neighbours. The
  // exactly-once checks above and below hold whatever the load; this comparison is asserted when
  // the machine has room (or always with SCALE_OUT_STRICT=1), and printed either way.
  if (load > OVERLOADED_PER_CORE * cores && process.env.SCALE_OUT_STRICT !== '1') {
    console.log(`  scale-out: throughput comparison NOT asserted: load average ${load.toFixed(1)} > ${OVERLOADED_PER_CORE} x ${cores} cores`)
    return
  }
  assert.ok(ratio > 1.15, `3 instances ${Math.round(three)}/s vs 1 instance ${Math.round(one)}/s (ratio ${ratio.toFixed(2)})`)
})

test('three scorers, two killed with SIGKILL and restarted mid-run: every input scored exactly once', async () => {
  const run = newRun('kill')
  const commitInput = await preloadInTransaction(run)
  const scorers = [0, 1, 2].map(n => startScorer(run, n))
  const killed: CliProcess[] = []
  try {
    await waitForGroup(run, 3)
    await commitInput()
    for (const [victim, fraction] of [[1, 0.2], [2, 0.5]] as const) {
      await waitFor(`${fraction * 100}% scored`, async () => await committedRecords(run) >= ROWS * fraction, { timeoutMs: 120_000, everyMs: 20 })
      scorers[victim]!.child.kill('SIGKILL')
      await scorers[victim]!.exited
      killed.push(scorers[victim]!)
      // Restart with the same transactional id: its open transaction (if any) is aborted, and
      // the killed incarnation could no longer commit anything even if it came back.
      scorers[victim] = startScorer(run, victim)
    }
    await waitFor('every record scored after the kills', async () => await committedRecords(run) >= ROWS, { timeoutMs: 180_000, everyMs: 100 })
    const codes = await stopAll(scorers)
    assert.equal(codes, [0, 0, 0], `survivors and restarted scorers exit 0 on SIGTERM\n${scorers.map((s, i) => `--- scorer ${i} (exit ${codes[i]}):\n${s.stderr().slice(-2500)}`).join('\n')}`)
    const report = await verifyExactlyOnce(config.kafka, { inputTopic: run.input, predictionsTopic: run.output, dlqTopic: run.dlq })
    console.log(`  scale-out with kills: ${summarize(report)}`)
    assert.is(report.inputs, ROWS)
    assert.equal(report.duplicates, [], summarize(report))
    assert.equal(report.missing, [], summarize(report))
    assert.equal(report.unexpected, [], summarize(report))
    assert.is(report.wrongKeys, 0)
    assert.is(report.open, 0, 'no transaction left without a marker')
    assert.is(killed.length, 2)
  } finally {
    for (const s of [...scorers, ...killed]) s.child.kill('SIGKILL')
  }
})

test.run()
