// Scale-out harness shared by test/scale-out.test.ts (exactly-once with several scorer processes)
// and bench/scale-out.ts (throughput with 1 and 3 instances): several `streamfit score` processes
// in one consumer group, each with its own transactional id, on a 6-partition input topic.
//
// Throughput is measured fairly: the input is written inside ONE Kafka transaction that stays
// open while the scorers start and the group settles; read_committed consumers see nothing
// until it commits, then every record at once. The clock runs from that commit until the
// group's committed offsets (which commit with the predictions) cover every record.
import { writeFileSync } from 'node:fs'
import { Admin, Producer } from '@platformatic/kafka'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics, withAdmin } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { committedOffsets } from '../../src/kafka/offsets.js'
import { summarize, verifyExactlyOnce } from './eos-verifier.js'
import { syntheticRow } from './synthetic.js'
import { uniqueName } from './names.js'
import { startCli, type CliProcess } from './cli.js'
import { dropRegistry, saveSeededModel } from './stored-model.js'
import { waitFor, withTimeout } from './wait.js'

export const config = loadConfig()
const id = uniqueName('scale')
const prefix = `${id}:`
export const PARTITIONS = 6
export const ROWS = Number(process.env.SCALE_OUT_ROWS ?? 30_000)
const BATCH = Number(process.env.SCALE_OUT_BATCH ?? 1024)
const created: string[] = []

/** Stores the model the scorers load (call once before any run). */
export async function setUp (): Promise<void> {
  await saveSeededModel(prefix)
}

/** Deletes every topic and model the runs created. */
export async function tearDown (): Promise<void> {
  await admin?.close()
  admin = undefined
  await deleteTopics(config.kafka, created)
  await dropRegistry(prefix)
}

export interface Run {
  input: string
  output: string
  dlq: string
  group: string
  env: Record<string, string>
}

let runs = 0

/** Fresh topics and group for one run (a benchmark makes several runs of the same kind). */
export function newRun (name: string): Run {
  const base = `${id}-${name}-${++runs}`
  const run = { input: `${base}-in`, output: `${base}-out`, dlq: `${base}-dlq`, group: `${base}-g` }
  created.push(run.input, run.output, run.dlq)
  return {
    ...run,
    env: { STREAMFIT_TEST_TOPIC: run.input, STREAMFIT_PREDICTIONS_TOPIC: run.output, STREAMFIT_DLQ_TOPIC: run.dlq, STREAMFIT_REGISTRY_PREFIX: prefix }
  }
}

/** Writes ROWS rows round-robin over the partitions inside one transaction; returns its commit. */
export async function preloadInTransaction (run: Run): Promise<() => Promise<void>> {
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

export function startScorer (run: Run, n: number): CliProcess {
  return startCli(`scorer-${n}`, [
    'score', '--group', run.group, '--transactional-id', `${run.group}-tx-${n}`, '--stream-timeout', '-1',
    '--batch-size', String(BATCH), '--backend', 'wasm', '--json'
  ], run.env)
}

/** Waits until the group is stable with `members` members that share all partitions. */
export async function waitForGroup (run: Run, members: number): Promise<void> {
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
export async function committedRecords (run: Run): Promise<number> {
  admin ??= new Admin(connectionOptions(config.kafka, 'scale-poll'))
  const offsets = await committedOffsets(admin, run.group, { topics: [run.input] })
  let total = 0
  for (const offset of offsets.get(run.input)?.values() ?? []) total += Number(offset)
  return total
}

export async function stopAll (scorers: CliProcess[]): Promise<Array<number | null>> {
  for (const s of scorers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM')
  return Promise.all(scorers.map(s => withTimeout(s.exited, 30_000, `${s.name} to exit after SIGTERM`).then(e => e.code, () => {
    s.child.kill('SIGKILL')
    return null
  })))
}

export async function throughput (instances: number): Promise<number> {
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

