// Validation hold-out, early stopping with best weights, and `train --from` continuation, against
// the real broker and Redis.
import { headline } from '../../src/ml/task-metrics.js'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, toArray } from 'rxjs'
import { Redis } from 'ioredis'
import { parseFeatures } from '../../src/codec/susy-csv.js'
import { holdout } from '../../src/data/holdout.js'
import { EarlyStopping } from '../../src/ml/early-stopping.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { fromPartition } from '../../src/sources/partition.js'
import { runTrain } from '../../topologies/train.js'
import { config, kafka, syntheticTopic } from '../support/ml.js'
import { uniqueName } from '../support/names.js'
import { PACKAGE_ROOT } from '../support/paths.js'

const run = promisify(execFile)
const topics: string[] = []
const home = mkdtempSync(join(tmpdir(), 'streamfit-stopping-'))
const prefix = `${uniqueName('streamfit-stopping')}:`

test.after(async () => {
  await deleteTopics(kafka, topics)
  rmSync(home, { recursive: true, force: true })
  const redis = new Redis(config.redisUrl)
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  await redis.quit()
})

async function topicsFor (name: string, rows: number, seed = 1): Promise<{ train: string; dlq: string }> {
  const t = { train: uniqueName(`${name}-train`), dlq: uniqueName(`${name}-dlq`) }
  topics.push(t.train, t.dlq)
  await ensureTopics(kafka, [{ name: t.dlq, partitions: 1 }])
  await syntheticTopic(t.train, rows, seed)
  return t
}

/** A row's float32 features as one string (what a training step receives, comparable). */
function rowKey (xs: Float32Array, i: number): string {
  return Array.from(xs.subarray(i * 18, (i + 1) * 18)).join(',')
}

/** The topic's rows, split by the hold-out predicate: rows as sorted keys, and the held-out ones as arrays. */
async function splitRows (topic: string, fraction: number, seed: number): Promise<{ train: string[]; validation: string[]; xs: Float32Array; ys: Float32Array; n: number }> {
  const records = await lastValueFrom(fromPartition({ kafka, topic }).pipe(toArray()))
  const heldOut = holdout({ fraction, seed })
  const keys = (list: typeof records): string[] => {
    const all = new Float32Array(list.length * 18)
    list.forEach((r, i) => assert.is(parseFeatures(r.value, all, i * 18, 18), null))
    return list.map((_, i) => rowKey(all, i)).sort()
  }
  const validation = records.filter(heldOut)
  const xs = new Float32Array(validation.length * 18)
  validation.forEach((r, i) => assert.is(parseFeatures(r.value, xs, i * 18, 18), null))
  return {
    train: keys(records.filter(r => !heldOut(r))),
    validation: keys(validation),
    xs,
    ys: Float32Array.from(validation, r => Number(r.key!.toString())),
    n: validation.length
  }
}

/** The rows each training step received, as "a,b,c" strings (the worker sees the same arrays). */
function recordSteps (runner: ModelRunner): string[] {
  const seen: string[] = []
  const original = runner.trainBatch.bind(runner)
  runner.trainBatch = (xs, ys, n) => {
    for (let i = 0; i < n; i++) seen.push(rowKey(xs, i))
    return original(xs, ys, n)
  }
  return seen
}

test('holdout: a hash of offset and seed, the same answer for a record every time, about the fraction asked', () => {
  const a = holdout({ fraction: 0.1, seed: 7 })
  const b = holdout({ fraction: 0.1, seed: 7 })
  const other = holdout({ fraction: 0.1, seed: 8 })
  const positions = Array.from({ length: 20_000 }, (_, i) => ({ partition: 0, offset: BigInt(i) }))
  const picked = positions.filter(a)
  assert.equal(positions.filter(b), picked, 'same seed, same rows')
  assert.ok(picked.length > 1800 && picked.length < 2200, `${picked.length} of 20,000 held out at 10%`)
  assert.not.equal(positions.filter(other), picked, 'another seed holds out other rows')
  assert.is(positions.filter(holdout({ fraction: 0, seed: 7 })).length, 0)
  assert.throws(() => holdout({ fraction: 1, seed: 7 }), /below 1/)
})

test('EarlyStopping: best epochs, patience counted from the last best, the learning rate halved on each plateau', () => {
  const stopping = new EarlyStopping({ patience: 4, reducePatience: 2 })
  const verdicts = [0.5, 0.4, 0.45, 0.41, 0.42, 0.39, 0.4, 0.4, 0.4, 0.4].map((loss, i) => stopping.update(i + 1, loss))
  assert.equal(verdicts.map(v => v.best), [true, true, false, false, false, true, false, false, false, false])
  assert.equal(verdicts.map(v => v.learningRateFactor), [1, 1, 1, 0.5, 1, 1, 1, 0.5, 1, 0.5])
  assert.equal(verdicts.map(v => v.stop), [false, false, false, false, false, false, false, false, false, true])
  assert.is(stopping.bestEpoch, 6)
  assert.is(stopping.bestLoss, 0.39)
  assert.not.ok(new EarlyStopping({ patience: 0 }).update(1, NaN).stop, 'patience 0 never stops')
})

test('validation split: the same rows held out in every epoch, never trained on, and scored after each epoch', async () => {
  const t = await topicsFor('holdout', 600)
  const split = await splitRows(t.train, 0.2, 3)
  const runner = await ModelRunner.create({ backend: 'wasm', seed: 3, learnScaler: true })
  const seen = recordSteps(runner)
  const result = await runTrain({ kafka, topic: t.train, dlqTopic: t.dlq, epochs: 3, validationFraction: 0.2, batchSize: 50, seed: 3, runner })
  await result.runner.close()
  assert.is(result.validationRows, split.validation.length)
  assert.is(result.rows, split.train.length)
  assert.is(result.rows + result.validationRows, 600)
  assert.is(seen.length, 3 * result.rows)
  for (let epoch = 0; epoch < 3; epoch++) {
    const rows = seen.slice(epoch * result.rows, (epoch + 1) * result.rows).sort()
    assert.equal(rows, split.train, `epoch ${epoch + 1} trained on exactly the rows not held out`)
  }
  assert.ok(result.epochs.every(e => e.validation?.task === 'binary' && e.validation.rows === split.validation.length && Number.isFinite(e.validation.auc)))
})

test('early stopping: stops `patience` epochs after the best validation loss and restores that epoch\'s weights', async () => {
  const t = await topicsFor('stopping', 800, 4)
  const split = await splitRows(t.train, 0.25, 5)
  // A high learning rate on few rows overfits fast, so validation loss turns up within the epochs.
  // The default weight average is on: what is validated, and restored, is the average.
  const result = await runTrain({ kafka, topic: t.train, dlqTopic: t.dlq, epochs: 40, validationFraction: 0.25, patience: 3, learningRate: 0.01, batchSize: 32, backend: 'wasm', seed: 5 })
  try {
    const losses = result.epochs.map(e => headline(e.validation!).value)
    const best = losses.indexOf(Math.min(...losses)) + 1
    assert.ok(result.stoppedEarly, `stopped early (${losses.length} epochs)`)
    assert.is(result.bestEpoch, best)
    assert.is(result.epochs.length, best + 3, 'stopped after 3 epochs without improvement')
    assert.ok(losses.at(-1)! > losses[best - 1], 'the last epoch was worse than the best')
    const now = await result.runner.evaluate(split.xs, split.ys, split.n)
    assert.ok(Math.abs(now.loss - losses[best - 1]) < 1e-6, `the model scores the best epoch's validation loss ${losses[best - 1]} (got ${now.loss}, last epoch ${losses.at(-1)})`)
  } finally {
    await result.runner.close()
  }
})

test('train --from susy@1: loads the weights and optimiser state, validates on the same rows, records its parent', async () => {
  const t = await topicsFor('from', 500, 6)
  const env = { ...process.env, STREAMFIT_TRAIN_TOPIC: t.train, STREAMFIT_DLQ_TOPIC: t.dlq, STREAMFIT_REGISTRY_PREFIX: prefix, STREAMFIT_HOME: home, STREAMFIT_LOG_LEVEL: 'warn' }
  const cli = async (...args: string[]): Promise<Record<string, unknown>> => {
    const { stdout } = await run(process.execPath, [join(PACKAGE_ROOT, 'bin', 'streamfit.js'), ...args, '--backend', 'wasm', '--json'], { env, maxBuffer: 16 << 20 })
    return JSON.parse(stdout.trim().split('\n').at(-1)!)
  }
  const first = await cli('train', '--epochs', '2', '--seed', '11')
  assert.is(first.model, 'susy@1')
  assert.is(first.parent, null)
  const history = first.history as Array<Record<string, number>>
  assert.ok(history.every(h => Number.isFinite(h.valLoss) && Number.isFinite(h.valAccuracy) && Number.isFinite(h.valAuc)), 'validation figures per epoch in --json')
  // Learning rate 0: Adam moves no weight, so the new version predicts exactly as its parent
  // (a fresh model would not), while its step count goes on from the parent's.
  const second = await cli('train', '--from', 'susy@1', '--epochs', '1', '--learning-rate', '0', '--seed', '12')
  assert.is(second.model, 'susy@2')
  assert.is(second.parent, 'susy@1')
  assert.is(second.validationRows, first.validationRows)
  assert.is(second.valLoss, history.at(-1)!.valLoss, 'the same rows, the same weights: the same validation loss')

  const registry = new ModelRegistry({ url: config.redisUrl, prefix })
  try {
    const [parent, child] = await Promise.all([registry.load('susy@1'), registry.load('susy@2')])
    assert.is(child.info.parent, 'susy@1')
    assert.equal(child.info.validation, parent.info.validation, 'the parent\'s hold-out (fraction, seed, rows)')
    assert.equal(child.snapshot.scaler, parent.snapshot.scaler, 'the parent\'s standardisation')
    const steps = Math.ceil(child.rows / 64)
    assert.is(iterations(child.snapshot), iterations(parent.snapshot) + steps, 'Adam\'s step count continues from the parent\'s')
    const modelBytes = (s: typeof parent.snapshot): Uint8Array => s.weights.subarray(0, s.weightSpecs.filter(w => w.group !== 'optimizer').reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0))
    assert.equal(modelBytes(child.snapshot), modelBytes(parent.snapshot), 'the parent\'s weights, unchanged at learning rate 0')
  } finally {
    await registry.close()
  }
})

/** Adam's step counter from a snapshot's optimizer weights. */
function iterations (snapshot: { weightSpecs: Array<{ name: string; shape: number[]; dtype: string; group?: string }>; weights: Uint8Array }): number {
  let at = 0
  for (const spec of snapshot.weightSpecs) {
    const size = spec.shape.reduce((a, b) => a * b, 1)
    if (spec.group === 'optimizer' && spec.name === 'iter') {
      const view = new DataView(snapshot.weights.buffer, snapshot.weights.byteOffset + at, 4)
      return spec.dtype === 'int32' ? view.getInt32(0, true) : view.getFloat32(0, true)
    }
    at += 4 * size
  }
  throw new Error('no optimizer iteration count in the snapshot')
}

test.run()
