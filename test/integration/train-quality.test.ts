// End to end through the CLI, as a user runs it: load the 8k SUSY file, train from Kafka with the
// default flags (10% held out for validation, early stopping), evaluate on the 3,200 test-split
// rows read back from the test topic. The bar is the first training issue's: accuracy >= 0.78 and
// AUC >= 0.855 (in-memory training reaches about 0.787 / 0.862; bench/quality.ts has the means).
// Runs once per backend under test (test/support/backends.ts): about a minute on WASM, less natively.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, merge, toArray } from 'rxjs'
import { Redis } from 'ioredis'
import { deleteTopics } from '../../src/kafka/admin.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { fromPartition } from '../../src/sources/partition.js'
import { config, kafka } from '../support/ml.js'
import { uniqueName } from '../support/names.js'
import { PACKAGE_ROOT, SUSY_8K } from '../support/paths.js'
import { TEST_BACKENDS } from '../support/backends.js'
import { bareProject } from '../support/bare-project.js'

const run = promisify(execFile)
const bin = join(PACKAGE_ROOT, 'bin', 'streamfit.js')
const home = mkdtempSync(join(tmpdir(), 'streamfit-train-'))
const topics = { train: uniqueName('q-train'), test: uniqueName('q-test'), predictions: uniqueName('q-pred'), dlq: uniqueName('q-dlq') }
const prefix = `${uniqueName('streamfit-quality')}:`
const env = {
  ...process.env,
  STREAMFIT_TRAIN_TOPIC: topics.train,
  STREAMFIT_TEST_TOPIC: topics.test,
  STREAMFIT_PREDICTIONS_TOPIC: topics.predictions,
  STREAMFIT_DLQ_TOPIC: topics.dlq,
  STREAMFIT_REGISTRY_PREFIX: prefix,
  STREAMFIT_HOME: home,
  STREAMFIT_LOG_LEVEL: 'warn'
}

async function streamfit (...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [bin, ...args], { env, maxBuffer: 16 << 20 })
  const lines = stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1])
}

test.after(async () => {
  await deleteTopics(kafka, Object.values(topics))
  rmSync(home, { recursive: true, force: true })
  const redis = new Redis(config.redisUrl)
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  await redis.quit()
})

TEST_BACKENDS.forEach((backend, i) => test(`load 8k -> train (default flags) from Kafka on ${backend} -> evaluate on the unseen test split: accuracy >= 0.78, AUC >= 0.855`, async () => {
  const model = `susy@${i + 1}`
  if (i === 0) {
    const loaded = await streamfit('load', '--fresh', '--data', SUSY_8K, '--json')
    assert.is(loaded[topics.train], 4800)
    assert.is(loaded[topics.test], 3200)
  }

  const trained = await streamfit('train', '--seed', '1', '--backend', backend, '--json')
  const epochs = trained.epochs as number
  assert.ok(epochs <= 30, `at most --epochs (30) epochs, ran ${epochs}`)
  assert.ok(trained.stoppedEarly === (epochs < 30))
  assert.ok((trained.bestEpoch as number) <= epochs)
  assert.is(trained.model, model)
  assert.is(trained.backend, backend)
  assert.is((trained.rows as number) + (trained.validationRows as number), 4800, 'every row trains or validates')
  assert.ok(Math.abs((trained.validationRows as number) - 480) < 60, `about 10% held out: ${trained.validationRows}`)
  assert.ok((trained.rowsPerSecond as number) > 0)
  assert.ok((trained.accuracy as number) > 0.75, `training accuracy ${trained.accuracy}`)
  const plot = readFileSync(trained.plot as string, 'utf8')
  assert.ok(plot.startsWith('<svg') && plot.includes('accuracy') && plot.includes('loss'), 'an SVG plot of loss and accuracy')

  const registry = new ModelRegistry({ url: config.redisUrl, prefix })
  try {
    const version = (await registry.list()).find(v => v.ref === model)!
    assert.equal(version.offsets, { [topics.train]: { 0: 4800n } }, 'the version records the input it consumed')
    assert.is(version.epochs, epochs)
    assert.is(version.params, 68_481)
  } finally {
    await registry.close()
  }

  // The rows that were not trained on, exactly as the loader wrote them to the test topic.
  const records = await lastValueFrom(merge(
    fromPartition({ kafka, topic: topics.test, partition: 0 }),
    fromPartition({ kafka, topic: topics.test, partition: 1 })
  ).pipe(toArray()))
  assert.is(records.length, 3200)
  const csv = join(home, 'test-split.csv')
  writeFileSync(csv, records.map(r => `${r.key?.toString()},${r.value?.toString()}`).join('\n') + '\n')

  const evaluated = await streamfit('evaluate', '--data', csv, '--model', model, '--backend', backend, '--json')
  // The same rows straight from the topic.
  const fromTopic = await streamfit('evaluate', '--topic', topics.test, '--model', model, '--backend', backend, '--json')
  assert.equal({ ...fromTopic, wallSeconds: 0, busySeconds: 0 }, { ...evaluated, wallSeconds: 0, busySeconds: 0 })
  assert.is(evaluated.rows, 3200)
  assert.is(evaluated.model, model)
  assert.is(evaluated.backend, backend)
  assert.ok((evaluated.accuracy as number) >= 0.78, `test accuracy ${evaluated.accuracy} >= 0.78`)
  assert.ok((evaluated.auc as number) >= 0.855, `test AUC ${evaluated.auc} >= 0.855`)
  assert.ok((evaluated.loss as number) < 0.5, `test loss ${evaluated.loss}`)
}))

test('train refuses a backend that is not installed: exit 2, one line, before touching Kafka', async () => {
  const bare = bareProject()
  try {
    await run(process.execPath, [bare.cli, 'train', '--backend', 'gpu'], { env })
    assert.unreachable('train --backend gpu succeeded')
  } catch (error) {
    const e = error as { code: number; stderr: string }
    assert.is(e.code, 2)
    const lines = e.stderr.trim().split('\n').filter(l => !l.startsWith('{'))
    assert.equal(lines, ['streamfit: gpu backend unavailable: @tensorflow/tfjs-node-gpu is not installed'])
  } finally {
    bare.remove()
  }
  assert.not.ok(existsSync(join(home, 'plots', `susy@${TEST_BACKENDS.length + 1}.svg`)))
})

test.run()
