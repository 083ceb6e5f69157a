// Hot swap in the exactly-once scorer, against the real broker and Redis: a version published
// while the scorer runs is loaded beside the active one and switched to at a batch boundary;
// every prediction names its version (value and header), and an independent read_committed judge
// finds every input scored exactly once across the switch.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Redis } from 'ioredis'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, endOffsets, ensureTopics } from '../../src/kafka/admin.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { HotSwapPredictor } from '../../src/registry/hot-swap.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { MODEL_HEADER, parsePrediction } from '../../src/codec/prediction.js'
import { runScore } from '../../topologies/score.js'
import { produceRows, susyMessages } from '../support/online.js'
import { readByOutcome, summarize, verifyExactlyOnce } from '../support/eos-verifier.js'
import { uniqueName } from '../support/names.js'

const config = loadConfig()
const PHASE = 1600 // rows before and after the new version

async function until (condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

test('a version published mid-run is used from the next batch on; none lost or duplicated', async () => {
  const input = uniqueName('hotswap-in')
  const predictions = uniqueName('hotswap-out')
  const dlq = uniqueName('hotswap-dlq')
  const prefix = `${uniqueName('hotswap')}:`
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix })
  const trainer = await ModelRunner.create({ backend: 'wasm', seed: 3 })
  let model: HotSwapPredictor | undefined
  let pinned: HotSwapPredictor | undefined
  try {
    await ensureTopics(config.kafka, [{ name: predictions, partitions: 2 }, { name: dlq, partitions: 1 }])
    const rows = susyMessages(2 * PHASE, 4800) // the test split of the 8k file
    const v1 = await registry.save({ snapshot: await trainer.snapshot(), backend: trainer.backend, rows: 0, epochs: 0 })
    model = await HotSwapPredictor.start({ registry, model: 'susy@latest', backend: 'wasm' })
    assert.is(model.version, v1.ref)

    // Phase 1: scored by v1.
    await produceRows(config.kafka, input, rows.slice(0, PHASE), 2)
    const boundary = await endOffsets(config.kafka, input)
    const abort = new AbortController()
    let scored = 0
    const batchVersions: string[] = []
    const run = runScore({
      kafka: config.kafka, topic: input, predictionsTopic: predictions, dlqTopic: dlq,
      predictor: model.current, groupId: uniqueName('hotswap-g'), batchSize: 200, maxWaitMs: 50,
      streamTimeout: -1, sessionTimeout: 6000, signal: abort.signal,
      onBatch: (_batch, totals) => { scored = totals.records; batchVersions.push(totals.model) }
    })
    await until(() => scored >= PHASE, 'phase 1 scored')

    // Publish v2 while the scorer runs (idle on an empty topic, but subscribed and polling).
    const xs = new Float32Array(256 * 18).map((_, i) => Math.sin(i))
    await trainer.fit(xs, new Float32Array(256).map((_, i) => i % 2), 256, { epochs: 1 })
    const v2 = await registry.save({ snapshot: await trainer.snapshot(), backend: trainer.backend, rows: 256, epochs: 1 })
    await until(() => model!.loaded === v2.ref, `${v2.ref} loaded by the scorer's model`)

    // Phase 2: scored by v2.
    await produceRows(config.kafka, input, rows.slice(PHASE), 2)
    await until(() => scored >= 2 * PHASE, 'phase 2 scored')
    abort.abort()
    await run.catch(error => { if (error !== abort.signal.reason) throw error })
    assert.is(model.version, v2.ref)
    assert.is(model.swaps, 1)

    // The judge: exactly once across the swap, and each prediction's version by its input's phase.
    const report = await verifyExactlyOnce(config.kafka, { inputTopic: input, predictionsTopic: predictions })
    assert.is(report.inputs, 2 * PHASE, summarize(report))
    assert.is(report.outputs, 2 * PHASE, summarize(report))
    assert.is(report.duplicates.length + report.missing.length + report.unexpected.length, 0, summarize(report))
    const out = await readByOutcome(config.kafka, predictions)
    const byVersion = new Map<string, number>()
    for (const r of out.committed) {
      const p = parsePrediction(r.value)
      assert.is(r.headers.get(MODEL_HEADER)?.toString(), p.model, 'header and value name the same version')
      const expected = BigInt(p.source.offset) < boundary[p.source.partition] ? v1.ref : v2.ref
      assert.is(p.model, expected, `${p.source.partition}@${p.source.offset} scored by ${p.model}, expected ${expected}`)
      byVersion.set(p.model, (byVersion.get(p.model) ?? 0) + 1)
    }
    assert.equal(Object.fromEntries(byVersion), { [v1.ref]: PHASE, [v2.ref]: PHASE })
    // Versions change only between batches, and never back.
    assert.is(batchVersions.lastIndexOf(v1.ref) < batchVersions.indexOf(v2.ref), true)

    // A pinned model (susy@1) never swaps.
    pinned = await HotSwapPredictor.start({ registry, model: v1.ref, backend: 'wasm' })
    await registry.save({ snapshot: await trainer.snapshot(), backend: trainer.backend, rows: 256, epochs: 1 })
    await new Promise(resolve => setTimeout(resolve, 300))
    assert.is(pinned.following, false)
    assert.is(pinned.current().version, v1.ref)
  } finally {
    await pinned?.close()
    await model?.close()
    await trainer.close()
    await registry.close()
    await deleteTopics(config.kafka, [input, predictions, dlq]).catch(() => {})
    const redis = new Redis(config.redisUrl)
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  }
})

test.run()
