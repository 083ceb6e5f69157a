// `streamfit online` from a new model on a spec'd data set whose features are unscaled flags
// (Phishing: 0, 0.5, 1): the new model learns feature standardisation until its first save, as
// train's models do. Unscaled, it sat at chance over the 1,250 rows (0.50 in bench/drift, the last
// 250 rows 0.52); scaled, it is well above by the end.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { ModelRegistry } from '../../src/registry/registry.js'
import { readSpec } from '../../src/spec/load-spec.js'
import { produceRows, runOnlineCli, type OnlineFixture } from '../support/online.js'
import { uniqueName } from '../support/names.js'
import { PACKAGE_ROOT } from '../support/paths.js'
import { dropTestModels } from '../support/stored-model.js'

const config = loadConfig()
const f: OnlineFixture = { config, topic: uniqueName('online-phish'), dlq: uniqueName('online-phish-dlq'), prefix: `${uniqueName('online-phish')}:`, group: uniqueName('online-phish-g') }

test.after(async () => {
  await deleteTopics(config.kafka, [f.topic, f.dlq]).catch(() => {})
  await dropTestModels(config.redisUrl, f.prefix)
})

test('a new model on Phishing (unscaled 0/0.5/1 features) standardises them: the last 250 of 1,250 rows >= 0.65 accurate, its version stores the scaler', async () => {
  const lines = gunzipSync(readFileSync(join(PACKAGE_ROOT, 'data/phishing.csv.gz'))).toString('utf8').trim().split('\n').slice(1)
  assert.is(lines.length, 1250)
  await produceRows(config.kafka, f.topic, lines.map(line => ({ key: Buffer.alloc(0), value: Buffer.from(line) })))
  await ensureTopics(config.kafka, [{ name: f.dlq, partitions: 1 }])
  const spec = await readSpec(join(PACKAGE_ROOT, 'specs/phishing.yaml'))
  const file = join(mkdtempSync(join(tmpdir(), 'online-phish-')), 'phishing.json')
  writeFileSync(file, JSON.stringify({ ...spec, topics: { ...spec.topics, train: { name: f.topic, partitions: 1 }, deadLetters: { name: f.dlq, partitions: 1 } } }))

  const { code, json, stderr } = await runOnlineCli(f, ['--spec', file, '--stream-timeout', '3000', '--json', '--seed', '1', '--window', '250', '--backend', 'auto'])
  assert.is(code, 0, stderr)
  assert.is(json.rows, 1250)
  // The spec's 9-32-1 MLP has 353 weights: auto has it learn in plain JavaScript (its tfjs
  // model's twin, src/ml/js-twin.ts), in steps of 16 rows, its first 300 in steps of 4 at 2x the
  // rate (a small new model's fast start).
  assert.equal([json.backend, json.step, json.fastStart, json.drift], ['js', 16, '300,4,2', 'cusum,refit'])
  const { accuracy } = json.prequentialWindows as { accuracy: number[] }
  assert.ok(accuracy[4] >= 0.65, `accuracy per 250 rows ${accuracy.join(', ')}`)
  // The version's scaler: frozen at the (only) save, from every row learnt, centring the flags.
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix: f.prefix })
  try {
    const { snapshot } = await registry.load(json.model as string)
    assert.ok(snapshot.scaler !== undefined, 'no scaler stored with the new model')
    assert.is(snapshot.scaler.rows, 1250)
    const https = spec.features.findIndex(x => x.name === 'https')
    const mean = lines.reduce((s, l) => s + Number(l.split(',')[https]), 0) / lines.length
    assert.ok(Math.abs(snapshot.scaler.mean[https] - mean) < 1e-6, `https mean ${snapshot.scaler.mean[https]} against ${mean}`)
  } finally {
    await registry.close()
  }
})

test.run()
