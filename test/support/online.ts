// Shared by the online-learning and hot-swap tests: real SUSY rows into a fresh topic, unique
// names, and a plain (non-group) read of a topic to check what the trainer claims.
import * as assert from 'uvu/assert'
import type { ChildProcess } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Producer } from '@platformatic/kafka'
import { lastValueFrom, map, toArray } from 'rxjs'
import type { Config, KafkaConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics, withAdmin } from '../../src/kafka/admin.js'
import type { OnlineLineage } from '../../src/online/lineage.js'
import { lineageOf } from '../../src/online/store.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { fromPartition } from '../../src/sources/partition.js'
import { startCli } from './cli.js'
import { uniqueName } from './names.js'
import { susyLines } from './paths.js'
import { dropTestModels } from './stored-model.js'

/** Rows of the 8k file that go to the train topic (the tutorial's 60/40 split). */
export const TRAIN_ROWS = 4800

/** The first `rows` lines of the 8k file as tutorial messages: key = label, value = 18 features. */
export function susyMessages (rows = TRAIN_ROWS, offset = 0): Array<{ key: Buffer, value: Buffer }> {
  const lines = susyLines().slice(offset, offset + rows)
  return lines.map(line => {
    const comma = line.indexOf(',')
    return { key: Buffer.from(line.slice(0, comma)), value: Buffer.from(line.slice(comma + 1)) }
  })
}

/** Creates `topic` and writes the messages to partition 0 in order, acks=all. */
export async function produceRows (kafka: KafkaConfig, topic: string, messages: Array<{ key: Buffer, value: Buffer }>, partitions = 1): Promise<void> {
  await ensureTopics(kafka, [{ name: topic, partitions }])
  // Idempotent: a retried send under load must not duplicate rows (the tests count them).
  const producer = new Producer({ ...connectionOptions(kafka, 'test-loader'), idempotent: true, acks: -1 })
  try {
    for (let i = 0; i < messages.length; i += 500) {
      await producer.send({ messages: messages.slice(i, i + 500).map((m, j) => ({ topic, partition: (i + j) % partitions, key: m.key, value: m.value })) })
    }
  } finally {
    await producer.close()
  }
}

/** Offsets of every committed record in `partition` of `topic`, read without a group. */
export async function recordOffsets (kafka: KafkaConfig, topic: string, partition = 0): Promise<bigint[]> {
  return lastValueFrom(fromPartition({ topic, partition, kafka }).pipe(map(r => r.offset), toArray()))
}

// ---- fixtures: a fresh train topic, registry prefix and group per test, and the CLI as a child

export interface OnlineFixture {
  config: Config
  topic: string
  dlq: string
  prefix: string
  group: string
}

const fixtures: OnlineFixture[] = []

/**
 * A topic holding the 4,800 train rows, and unused names for the registry prefix, group and DLQ.
 * `invertFrom`: the label of every row from that index on is inverted (an abrupt drift).
 */
export async function startOnlineFixture (config: Config, name: string, rows = TRAIN_ROWS, { bad = [] as number[], invertFrom = Infinity } = {}): Promise<OnlineFixture> {
  const f: OnlineFixture = { config, topic: uniqueName(name), dlq: uniqueName(`${name}-dlq`), prefix: `${uniqueName(name)}:`, group: uniqueName(`${name}-g`) }
  fixtures.push(f)
  const messages = susyMessages(rows).map((m, i) => i < invertFrom ? m : { key: Buffer.from(m.key.toString() === '1.0' ? '0.0' : '1.0'), value: m.value })
  // Rows at the `bad` indexes get a value that cannot be decoded: they must go to the DLQ.
  for (const i of bad) messages[i] = { key: messages[i].key, value: Buffer.from('not,a,susy,row') }
  await produceRows(config.kafka, f.topic, messages)
  await ensureTopics(config.kafka, [{ name: f.dlq, partitions: 1 }])
  return f
}

/** Deletes every fixture's topics and registry keys. */
export async function stopFixtures (): Promise<void> {
  const all = fixtures.splice(0)
  if (all.length === 0) return
  await deleteTopics(all[0].config.kafka, all.flatMap(f => [f.topic, f.dlq])).catch(() => {})
  for (const f of all) await dropTestModels(f.config.redisUrl, f.prefix)
}

export interface CliResult { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, json: Record<string, unknown> }

export interface OnlineChild {
  readonly process: ChildProcess
  readonly result: Promise<CliResult>
  stderr (): string
  kill (signal: NodeJS.Signals): void
}

/** Starts `streamfit online` for the fixture (its topic, registry prefix, group, a 6 s session). */
export function spawnOnline (f: OnlineFixture, args: string[], env: Record<string, string> = {}): OnlineChild {
  const cli = startCli('online', ['online', '--group', f.group, '--session-timeout', '6000', '--backend', 'wasm', ...args], {
    KAFKA_BROKERS: f.config.kafka.brokers.join(','),
    REDIS_URL: f.config.redisUrl,
    STREAMFIT_REGISTRY_PREFIX: f.prefix,
    STREAMFIT_TRAIN_TOPIC: f.topic,
    STREAMFIT_DLQ_TOPIC: f.dlq,
    STREAMFIT_HOME: join(tmpdir(), 'streamfit-online-tests'),
    ...env
  })
  const result = cli.exited.then(({ code, signal, stdout, stderr }): CliResult => {
    const last = stdout.trim().split('\n').at(-1) ?? ''
    let json: Record<string, unknown> = {}
    try { json = JSON.parse(last) as Record<string, unknown> } catch { /* no JSON line (killed) */ }
    return { code, signal, stdout, stderr, json }
  })
  return { process: cli.child, result, stderr: cli.stderr, kill: signal => { cli.child.kill(signal) } }
}

export function runOnlineCli (f: OnlineFixture, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnOnline(f, args, env).result
}

/** Resolves once the child's log (stderr) matches `pattern`; rejects if it exits first or after `timeoutMs`. */
export function waitForLine (child: OnlineChild, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => pattern.test(child.stderr())
    if (check()) return resolve()
    const timer = setTimeout(() => { done(); reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms`)) }, timeoutMs)
    const onData = (): void => { if (check()) { done(); resolve() } }
    const onClose = (): void => { done(); if (check()) resolve(); else reject(new Error(`online exited before logging ${pattern}:\n${child.stderr()}`)) }
    const done = (): void => { clearTimeout(timer); child.process.stderr!.off('data', onData); child.process.off('close', onClose) }
    child.process.stderr!.on('data', onData)
    child.process.on('close', onClose)
  })
}

export interface ChainLink { ref: string, version: number, rows: number, online: OnlineLineage }

/**
 * The fixture group's versions from the first to the head, following `parent` back from the
 * newest; with `partial`, from the oldest one still stored (after pruning).
 */
export async function lineageChain (f: OnlineFixture, { partial = false } = {}): Promise<ChainLink[]> {
  const registry = await ModelRegistry.connect({ url: f.config.redisUrl, prefix: f.prefix })
  try {
    const versions = (await registry.list('susy')).filter(v => lineageOf(v)?.group === f.group)
    const byRef = new Map(versions.map(v => [v.ref, v]))
    const chain: ChainLink[] = []
    let link = versions.at(-1)
    while (link !== undefined) {
      const online = lineageOf(link)!
      chain.unshift({ ref: link.ref, version: link.version, rows: link.rows, online })
      if (online.parent === null) break
      const parent = byRef.get(online.parent)
      if (parent === undefined && partial) break // pruned (--keep-versions)
      if (parent === undefined) throw new Error(`${link.ref}: parent ${online.parent} is missing from the registry`)
      link = parent
    }
    return chain
  } finally {
    await registry.close()
  }
}

/** Every version of the fixture's group saved in the registry (in and out of the chain). */
export async function groupVersions (f: OnlineFixture): Promise<string[]> {
  const registry = await ModelRegistry.connect({ url: f.config.redisUrl, prefix: f.prefix })
  try {
    return (await registry.list('susy')).filter(v => lineageOf(v)?.group === f.group).map(v => v.ref)
  } finally {
    await registry.close()
  }
}

/** The group's committed offsets of the fixture's topic, per partition (-1n: none). */
export async function committedOffsets (f: OnlineFixture): Promise<bigint[]> {
  return withAdmin(f.config.kafka, async admin => {
    const [group] = await admin.listConsumerGroupOffsets({ groups: [{ groupId: f.group, topics: [{ name: f.topic, partitionIndexes: [0] }] }] })
    const partitions = group?.topics.find(t => t.name === f.topic)?.partitions ?? []
    return partitions.sort((a, b) => a.partitionIndex - b.partitionIndex).map(p => p.committedOffset)
  })
}

/** The ranges of the fixture group's chain tile partition 0 from its first offset to its end, and `rows` were trained. */
export async function assertLineageTiles (f: OnlineFixture, rows: number): Promise<void> {
  const offsets = await recordOffsets(f.config.kafka, f.topic)
  const chain = await lineageChain(f)
  let next = offsets[0]!
  for (const link of chain) {
    for (const r of link.online.ranges) {
      assert.is(BigInt(r.from), next, `${link.ref} starts where its parent ended`)
      next = BigInt(r.to)
    }
  }
  assert.is(next, offsets.at(-1)! + 1n, 'the chain reaches the end of the topic')
  assert.is(chain.at(-1)!.online.rows, rows, 'every row trained exactly once')
}
