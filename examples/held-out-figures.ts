// A hand-written topology over a topic of your own, composed from the library: it reads the
// spec's test topic to its end (every partition), decodes each record as the spec stored with the
// model says, predicts in batches of 512 and prints the model's held-out figures for its task
// (accuracy, AUC, log-loss; accuracy, macro-F1, log-loss and the confusion matrix; RMSE, MAE, R²).
//
// Run: npx tsc -p . && node dist/examples/held-out-figures.js --spec specs/cars.yaml [--model cars@latest] [--json]
// Kafka and Redis from the environment (KAFKA_BROKERS, REDIS_URL, STREAMFIT_REGISTRY_PREFIX).
import { concatMap, lastValueFrom, merge, reduce } from 'rxjs'
import {
  batch, evaluateTask, formatMetrics, fromPartition, loadConfig, ModelRegistry, ModelRunner, readSpec,
  specDecoder, toArrays, withSpecTopics, type ArrayBatch
} from '../src/index.js'

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined }
const specFile = flag('--spec') ?? 'specs/cars.yaml'
const spec = await readSpec(specFile)
const config = withSpecTopics(loadConfig(), spec)
const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix: config.registryPrefix })
const stored = await registry.load(flag('--model') ?? `${spec.name}@latest`)
await registry.close()
const runner = await ModelRunner.create({ snapshot: stored.snapshot, version: stored.ref })
const layout = runner.spec // decode as the model's trainer did (vocabularies, classes, imputed means)
if (layout === undefined) throw new Error(`${stored.ref} stores no dataset spec: train it with streamfit train --spec`)

// Every partition of the test topic, up to its end at start. Records without a label have no
// truth to compare with, and records that do not decode cannot be scored: both are counted by
// reason (the decoder's stats) and printed, not written anywhere.
const partitions = Array.from({ length: spec.topics.test.partitions }, (_, partition) => fromPartition({ kafka: config.kafka, topic: config.topics.test, partition }))
const decode = specDecoder(layout, { requireLabel: true, deadLetter: { write: () => undefined, counts: {}, total: 0 } })
const scored = await lastValueFrom(merge(...partitions).pipe(
  decode,
  batch(512),
  toArrays(),
  concatMap(async (b: ArrayBatch) => ({ labels: b.ys, outputs: await runner.predict(b.xs, b.n), n: b.n })),
  reduce((all, b) => [...all, b], [] as Array<{ labels: Float32Array, outputs: Float32Array, n: number }>)
))
await runner.close()

const n = scored.reduce((s, b) => s + b.n, 0)
const units = runner.shape.outputs
const outputs = new Float32Array(n * units)
const labels = new Float64Array(n)
let row = 0
for (const b of scored) {
  outputs.set(b.outputs, row * units)
  labels.set(b.labels.subarray(0, b.n), row)
  row += b.n
}
const figures = evaluateTask(layout.task, outputs, labels, n)
const skipped = Object.fromEntries(Object.entries(decode.stats.byReason).filter(([, count]) => count > 0))
process.stdout.write(args.includes('--json')
  ? JSON.stringify({ model: stored.ref, ...figures, skipped }) + '\n'
  : `${stored.ref} on ${config.topics.test}: ${n} rows, ${formatMetrics(figures)}; left out: ${JSON.stringify(skipped)}\n`)
