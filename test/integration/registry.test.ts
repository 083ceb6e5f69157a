// The model registry against the real Redis (REDIS_URL), each test under its own key prefix.
import { randomBytes } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Redis } from 'ioredis'
import { firstValueFrom, take, toArray } from 'rxjs'
import { loadConfig } from '../../src/config.js'
import { RegistryConflictError, UsageError } from '../../src/errors.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import type { Announcement } from '../../src/registry/version.js'
import { parseModelRef } from '../../src/registry/refs.js'

const { redisUrl } = loadConfig()
const prefixes: string[] = []
let runner: ModelRunner

function freshRegistry (): ModelRegistry {
  const prefix = `streamfit-test-${randomBytes(4).toString('hex')}:`
  prefixes.push(prefix)
  return new ModelRegistry({ url: redisUrl, prefix })
}

function rows (n: number, seed: number): { xs: Float32Array; ys: Float32Array } {
  let s = seed
  const next = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 }
  return { xs: Float32Array.from({ length: n * 18 }, () => next() * 4 - 2), ys: Float32Array.from({ length: n }, () => (next() < 0.5 ? 0 : 1)) }
}

test.before(async () => {
  runner = await ModelRunner.create({ backend: 'wasm', seed: 7, learnScaler: true })
  const { xs, ys } = rows(256, 1)
  await runner.fit(xs, ys, 256, { epochs: 2, batchSize: 64 })
})

test.after(async () => {
  await runner.close()
  const redis = new Redis(redisUrl)
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
  }
  await redis.quit()
})

async function rejects (fn: () => Promise<unknown>, check: (e: Error) => boolean, message?: string): Promise<void> {
  try {
    await fn()
  } catch (error) {
    assert.ok(check(error as Error), `${message ?? 'unexpected error'}: ${(error as Error).message}`)
    return
  }
  assert.unreachable(message ?? 'expected a rejection')
}

test('model refs: name@N, name@latest, bare name; bad ones are usage errors', () => {
  assert.equal(parseModelRef('susy@3'), { name: 'susy', version: 3 })
  assert.equal(parseModelRef('susy@latest'), { name: 'susy', version: 'latest' })
  assert.equal(parseModelRef('susy'), { name: 'susy', version: 'latest' })
  for (const bad of ['susy@0', 'susy@-1', 'susy@x', '@3', 'a b']) assert.throws(() => parseModelRef(bad), (e: Error) => e instanceof UsageError, bad)
})

test('load round-trip: same topology, binary weights, scaler, offsets; identical predictions', async () => {
  const registry = freshRegistry()
  try {
    const snapshot = await runner.snapshot()
    assert.ok(snapshot.scaler !== undefined && snapshot.scaler.rows === 256, 'the learnt scaler (256 rows, each counted once) is part of the snapshot')
    const offsets = { 'susy-train': { 0: 4800n }, 'other': { 0: 5n, 1: 9007199254740993n } }
    const saved = await registry.save({ snapshot, backend: runner.backend, rows: 512, epochs: 2, metrics: { loss: 0.5 }, offsets })
    assert.is(saved.ref, 'susy@1')
    assert.is(saved.params, 68_481)

    const stored = await registry.load('susy@latest')
    assert.is(stored.ref, 'susy@1')
    assert.equal(stored.offsets, offsets, 'offsets survive as bigints, beyond 2^53 too')
    assert.equal(stored.metrics, { loss: 0.5 })
    assert.is(stored.rows, 512)
    assert.is(stored.epochs, 2)
    assert.is(stored.backend, 'wasm')
    assert.equal(Buffer.from(stored.snapshot.weights), Buffer.from(snapshot.weights), 'weights stored byte for byte')
    assert.equal(stored.snapshot.scaler, snapshot.scaler)

    const loaded = await ModelRunner.create({ backend: 'wasm', snapshot: stored.snapshot, version: stored.ref })
    try {
      const { xs } = rows(500, 2)
      const [a, b] = await Promise.all([runner.predict(xs, 500), loaded.predict(xs, 500)])
      assert.is(b.length, 500)
      assert.ok(a.every((v, i) => v === b[i]), 'predictions identical after the round trip')
      assert.is(loaded.version, 'susy@1')
    } finally {
      await loaded.close()
    }
  } finally {
    await registry.close()
  }
})

test('save is atomic: the version hash, index, latest and counter appear together; numbers never reused', async () => {
  const registry = freshRegistry()
  const prefix = registry.prefix
  const redis = new Redis(redisUrl)
  try {
    const snapshot = await runner.snapshot()
    // Readers racing concurrent saves: whoever sees a latest pointer finds that version complete.
    const saves = Array.from({ length: 8 }, (_, i) => registry.save({ snapshot, backend: 'wasm', rows: i, epochs: 1 }))
    const checks: Promise<void>[] = []
    for (let i = 0; i < 20; i++) {
      checks.push((async () => {
        const latest = await redis.get(`${prefix}model:susy:latest`)
        if (latest === null) return
        const fields = await redis.hkeys(`${prefix}model:susy:v:${latest}`)
        for (const f of ['meta', 'topology', 'weightSpecs', 'weights', 'version']) assert.ok(fields.includes(f), `v${latest} has ${f}`)
        assert.ok(Number(await redis.get(`${prefix}model:susy:seq`)) >= Number(latest))
      })())
    }
    const infos = await Promise.all(saves)
    await Promise.all(checks)
    assert.equal(infos.map(i => i.version).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8])
    assert.is(await registry.latestVersion(), 8)
    assert.equal((await registry.list()).map(v => v.version), [1, 2, 3, 4, 5, 6, 7, 8])

    assert.ok(await registry.delete('susy@8'))
    assert.is(await registry.latestVersion(), 7, 'latest falls back to the highest remaining version')
    assert.not.ok(await registry.delete('susy@8'), 'deleting twice reports nothing deleted')
    assert.ok(await registry.delete('susy@3'))
    assert.equal((await registry.list()).map(v => v.version), [1, 2, 4, 5, 6, 7])
    const next = await registry.save({ snapshot, backend: 'wasm', rows: 9, epochs: 1 })
    assert.is(next.version, 9, 'a deleted number is never handed out again')
    await rejects(() => registry.load('susy@3'), (e: Error) => e instanceof UsageError && /no version 3/.test(e.message))
    await rejects(() => registry.load('nomodel'), (e: Error) => e instanceof UsageError && /no model "nomodel"/.test(e.message))
    assert.equal(await registry.names(), ['susy'])
    assert.equal(await registry.prune('susy', 2), ['susy@1', 'susy@2', 'susy@4', 'susy@5', 'susy@6'])
    assert.equal((await registry.list()).map(v => v.version), [7, 9])
    assert.is(await registry.latestVersion(), 9)
  } finally {
    await redis.quit()
    await registry.close()
  }
})

test('ifLatest fences a writer that lost its place; a failed save leaves nothing behind', async () => {
  const registry = freshRegistry()
  try {
    const snapshot = await runner.snapshot()
    const first = await registry.save({ snapshot, backend: 'wasm', rows: 1, epochs: 1, ifLatest: null })
    assert.is(first.version, 1)
    await rejects(() => registry.save({ snapshot, backend: 'wasm', rows: 2, epochs: 1, ifLatest: null }), (e: Error) => e instanceof RegistryConflictError)
    await rejects(() => registry.save({ snapshot, backend: 'wasm', rows: 2, epochs: 1, ifLatest: 7 }), (e: Error) => e instanceof RegistryConflictError && /latest version is 1/.test(e.message))
    const second = await registry.save({ snapshot, backend: 'wasm', rows: 2, epochs: 1, ifLatest: 1 })
    assert.is(second.version, 2, 'the rejected saves consumed no version number')
    assert.equal((await registry.list()).map(v => v.rows), [1, 2])
  } finally {
    await registry.close()
  }
})

test('every new version is announced: watch callback and versions$ Observable', async () => {
  const registry = freshRegistry()
  const other = new ModelRegistry({ url: redisUrl, prefix: registry.prefix })
  try {
    const snapshot = await runner.snapshot()
    await registry.save({ snapshot, backend: 'wasm', rows: 1, epochs: 1 })
    const seen: Announcement[] = []
    const stop = await other.watch(a => seen.push(a), { name: 'susy' })
    const viaObservable = firstValueFrom(other.versions$('susy').pipe(take(2), toArray()))
    await new Promise(resolve => setTimeout(resolve, 100)) // the Observable subscribes asynchronously
    await registry.save({ snapshot, backend: 'wasm', rows: 2, epochs: 1 })
    await registry.save({ name: 'another', snapshot, backend: 'wasm', rows: 1, epochs: 1 })
    await registry.save({ snapshot, backend: 'wasm', rows: 3, epochs: 1 })
    await registry.delete('susy@1')
    const got = await viaObservable
    await new Promise(resolve => setTimeout(resolve, 100))
    await stop()
    assert.equal(got.map(a => a.ref), ['susy@2', 'susy@3'])
    assert.equal(seen.map(a => `${a.event} ${a.ref}`), ['saved susy@2', 'saved susy@3', 'deleted susy@1'], 'only this model, only new versions (susy@1 existed before the watch)')
  } finally {
    await other.close()
    await registry.close()
  }
})

test('an unreachable Redis is a one-line usage error', async () => {
  await rejects(() => ModelRegistry.connect({ url: 'redis://127.0.0.1:1/0' }), (e: Error) => e instanceof UsageError && /no Redis answers at redis:\/\/127\.0\.0\.1:1\/0.*REDIS_URL/.test(e.message) && !e.message.includes('\n'))
})

test.run()
