// streamfit on the public data sets beside scikit-learn on the same split (issue 23, section 4).
// For each shipped spec (specs/NAME.yaml): `streamfit load` splits the file into the spec's train
// and test topics, and this checks the topics hold exactly the rows split-file.ts cuts for
// baseline.py; then, per seed, `streamfit train` and `streamfit score` (exactly once, into the
// predictions topic), the held-out figures computed from the prediction records read back; and
// baseline.py's LogisticRegression/Ridge and MLP on the cut files. Prints the table (report.ts)
// and one JSON line per data set; --write puts the table in bench/results.md.
//
// Usage: node dist/bench/datasets/streamfit.js [--seeds 1,2,3] [--only a,b] [--write]
//          [--python /work/.venv-bench/bin/python] [--backend auto]
// Needs a broker and Redis (streamfit up, or KAFKA_BROKERS / REDIS_URL); models are saved under
// their own registry prefix (streamfit-bench-datasets:) so a user's registry is left alone.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../../src/config.js'
import { PACKAGE_ROOT } from '../../src/infra/paths.js'
import { readSpec } from '../../src/spec/load-spec.js'
import type { DatasetSpec, FieldSource } from '../../src/spec/types.js'
import { heldOut, predictionsOf } from './held-out.js'
import { readValues } from './read-topic.js'
import { insertSection, median, renderSection, renderTable, verdict, type DatasetRow } from './report.js'
import { splitFile } from './split-file.js'

const DATASETS = [
  { name: 'phishing', file: 'phishing.csv.gz' },
  { name: 'segment', file: 'segment.csv' },
  { name: 'seattle-weather', file: 'seattle-weather.csv' },
  { name: 'cars', file: 'cars.jsonl' }
]
const SPLIT = { fraction: 0.25, seed: 42 }

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3' },
    only: { type: 'string' },
    write: { type: 'boolean', default: false },
    python: { type: 'string', default: process.env.PYTHON ?? '/work/.venv-bench/bin/python' },
    backend: { type: 'string', default: 'auto' }
  }
})
const seeds = args.seeds.split(',').map(Number)
const env = { ...process.env, STREAMFIT_REGISTRY_PREFIX: process.env.STREAMFIT_REGISTRY_PREFIX ?? 'streamfit-bench-datasets:' }
const kafka = loadConfig().kafka
const work = mkdtempSync(join(tmpdir(), 'streamfit-datasets-bench-'))
const log = (text: string): void => { process.stderr.write(`[datasets] ${text}\n`) }

/** `streamfit ARGS --json`: its last JSON line (a failure stops the benchmark with its stderr). */
function cli (argv: string[]): Record<string, unknown> {
  const run = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin/streamfit.js'), ...argv, '--json'], { env, encoding: 'utf8', maxBuffer: 64 << 20 })
  if (run.status !== 0) throw new Error(`streamfit ${argv.join(' ')} exited ${run.status}:\n${run.stderr.slice(-3000)}`)
  const last = run.stdout.trim().split('\n').reverse().find(line => line.startsWith('{'))
  return JSON.parse(last ?? '{}') as Record<string, unknown>
}

const fieldName = (from: FieldSource): string => 'column' in from ? String(from.column) : 'field' in from ? from.field : 'key'

/** baseline.py on the cut files: one JSON line per model. */
function baseline (spec: DatasetSpec, trainFile: string, testFile: string, seed: number, only?: 'mlp'): Array<Record<string, number | string>> {
  const names = (type: string): string => spec.features.filter(f => f.type === type).map(f => fieldName(f.from)).join(',')
  const out = execFileSync(args.python, [join(PACKAGE_ROOT, 'bench/datasets/baseline.py'), '--train', trainFile, '--test', testFile,
    '--label', fieldName(spec.label), '--task', spec.task.type, '--numeric', names('numeric'), '--categorical', names('categorical'),
    '--seed', String(seed), ...(spec.task.type === 'binary' ? ['--positive', spec.task.classes[1]] : []), ...(only !== undefined ? ['--only', only] : [])], { encoding: 'utf8' })
  return out.trim().split('\n').map(line => JSON.parse(line) as Record<string, number | string>)
}

/** The loaded topics hold exactly the rows split-file.ts cuts: train in the split's order, test as a set. */
async function checkSplit (spec: DatasetSpec, parts: { train: string[], test: string[] }): Promise<void> {
  const train = await readValues(kafka, spec.topics.train.name)
  const test = await readValues(kafka, spec.topics.test.name)
  if (train.length !== parts.train.length || train.some((v, i) => v !== parts.train[i])) throw new Error(`${spec.topics.train.name} does not hold split-file's train rows in order`)
  const sorted = (xs: string[]): string => [...xs].sort().join('\n')
  if (sorted(test) !== sorted(parts.test)) throw new Error(`${spec.topics.test.name} does not hold split-file's test rows`)
}

async function runDataset (name: string, file: string): Promise<DatasetRow & { raw: unknown }> {
  const specFile = join(PACKAGE_ROOT, 'specs', `${name}.yaml`)
  const data = join(PACKAGE_ROOT, 'data', file)
  const spec = await readSpec(specFile)
  const task = spec.task.type
  const regression = task === 'regression'

  // The baseline's files: the same cut as the loader's, in the split's order.
  const parts = splitFile(data, SPLIT.fraction, SPLIT.seed)
  const ext = file.includes('.jsonl') ? 'jsonl' : 'csv'
  const dir = join(work, name)
  mkdirSync(dir, { recursive: true })
  const write = (part: 'train' | 'test'): string => {
    const path = join(dir, `${name}.${part}.${ext}`)
    writeFileSync(path, [...(parts.header !== null ? [parts.header] : []), ...parts[part]].join('\n') + '\n')
    return path
  }
  const trainFile = write('train')
  const testFile = write('test')

  log(`${name}: load`)
  const load = cli(['load', '--spec', specFile, '--data', data, '--test-fraction', String(SPLIT.fraction), '--seed', String(SPLIT.seed), '--fresh'])
  await checkSplit(spec, parts)
  log(`${name}: topics hold split-file's rows (${String(load[spec.topics.train.name])} train, ${String(load[spec.topics.test.name])} test)`)

  const sk = seeds.flatMap((seed, i) => baseline(spec, trainFile, testFile, seed, i === 0 ? undefined : 'mlp'))
  const headlineOf = (r: Record<string, number | string>): number => Number(regression ? r.rmse : r.accuracy)
  const linear = sk.filter(r => r.model === 'LogisticRegression' || r.model === 'Ridge')
  const mlp = sk.filter(r => String(r.model).startsWith('MLP'))

  const runs: Array<Record<string, unknown>> = []
  for (const seed of seeds) {
    log(`${name}: train --seed ${seed}`)
    const train = cli(['train', '--spec', specFile, '--seed', String(seed), '--backend', args.backend])
    const model = String(train.model)
    const score = cli(['score', '--spec', specFile, '--model', model, '--group', `bench-datasets-${model}-${process.pid}`, '--stream-timeout', '3000', '--backend', args.backend])
    const predictions = predictionsOf(await readValues(kafka, spec.topics.predictions.name), model)
    if (predictions.length !== score.predictions) throw new Error(`${model}: ${predictions.length} predictions read back, score wrote ${String(score.predictions)}`)
    const held = heldOut(spec.task, predictions)
    log(`${name}: ${model} ${JSON.stringify(held.figures, (k, v) => k === 'confusion' || k === 'classes' ? undefined : v)}`)
    runs.push({ seed, model, epochs: train.epochs, bestEpoch: train.bestEpoch, backend: train.backend, predictions: held.predictions, unlabelled: held.unlabelled, deadLettered: score.deadLettered, figures: held.figures })
  }
  const fig = (key: string): number[] => runs.map(r => (r.figures as Record<string, number>)[key]!)
  const more = regression ? ['mae', 'r2'] : task === 'binary' ? ['auc', 'loss'] : ['macroF1', 'loss']
  const m = spec.model.type === 'mlp' ? spec.model : undefined
  return {
    dataset: name,
    task,
    trainRows: Number(sk[0]!.train_rows),
    testRows: Number(sk[0]!.test_rows),
    streamfit: median(fig(regression ? 'rmse' : 'accuracy')),
    streamfitMore: Object.fromEntries(more.map(k => [k, median(fig(k)).median])),
    linear: median(linear.map(headlineOf)),
    mlp: median(mlp.map(headlineOf)),
    settings: m === undefined ? 'imported model' : `hidden [${String(m.hidden)}], dropout [${String(m.dropout)}], learningRate ${m.learningRate}, batchSize ${m.batchSize}, epochs ≤ ${m.epochs}`,
    epochs: runs.map(r => Number(r.epochs)),
    raw: { load, streamfit: runs, sklearn: sk }
  }
}

const started = performance.now()
const chosen = args.only === undefined ? DATASETS : DATASETS.filter(d => args.only!.split(',').includes(d.name))
const rows: DatasetRow[] = []
try {
  for (const d of chosen) {
    const row = await runDataset(d.name, d.file)
    process.stdout.write(JSON.stringify({ ...row, verdict: verdict(row) }) + '\n')
    rows.push(row)
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
process.stdout.write('\n' + renderTable(rows) + '\n')
if (args.write) {
  const sklearn = execFileSync(args.python, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' }).trim()
  const backend = [...new Set(rows.flatMap(r => ((r as DatasetRow & { raw: { streamfit: Array<{ backend: string }> } }).raw.streamfit).map(s => s.backend)))].join(', ')
  const section = renderSection(rows, { date: new Date().toISOString().slice(0, 16).replace('T', ' '), seeds, command: `node dist/bench/datasets/streamfit.js ${process.argv.slice(2).join(' ')}`, minutes: (performance.now() - started) / 60000, sklearn, backend })
  insertSection(join(PACKAGE_ROOT, 'bench/results.md'), section)
  log('wrote bench/results.md')
}
process.exit(rows.every(r => verdict(r).met) ? 0 : 1)
