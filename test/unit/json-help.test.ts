// Each command's --help lists exactly the keys its --json line carries: the line is built here by
// the commands' own functions for every task (binary, multiclass, regression, with and without a
// hold-out or --compare-start), and compared with the --json text `streamfit <cmd> --help` prints.
// A usage error of a subcommand points to that subcommand's help, which shows its flags.
import { execFileSync, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { evaluationJson } from '../../src/commands/evaluation-report.js'
import { EVALUATE_JSON, jsonKeys, ONLINE_JSON, SCORE_JSON, TRAIN_JSON } from '../../src/commands/json-fields.js'
import { summary as onlineSummary } from '../../src/commands/online.js'
import { summary as scoreSummary } from '../../src/commands/score.js'
import { trainSummary } from '../../src/commands/train.js'
import type { ModelRunner } from '../../src/ml/runner.js'
import type { TaskMetrics } from '../../src/ml/task-metrics.js'
import type { OnlineResult } from '../../topologies/online.js'
import type { ScoreResult } from '../../topologies/score.js'
import type { TrainResult } from '../../topologies/train.js'

const CLI = fileURLToPath(new URL('../../../bin/streamfit.js', import.meta.url))

/** The --json option's text in `streamfit <args> --help`, its wrapped lines joined. */
function jsonHelpText (args: string[]): string {
  const help = execFileSync(process.execPath, [CLI, ...args, '--help'], { encoding: 'utf8' })
  const at = help.search(/^\s+--json\b/m)
  assert.ok(at >= 0, `${args.join(' ')} --help has a --json option`)
  const rest = help.slice(at).split('\n')
  const lines = [rest[0]!]
  for (const line of rest.slice(1)) {
    if (/^ {1,4}-/.test(line) || line.trim() === '') break // the next option (wrapped text is indented deeper)
    lines.push(line)
  }
  return lines.map(l => l.trim()).join(' ')
}

const METRICS: TaskMetrics[] = [
  { task: 'binary', rows: 10, accuracy: 0.8, auc: 0.85, loss: 0.4 },
  { task: 'multiclass', rows: 10, accuracy: 0.7, macroF1: 0.6, loss: 0.9, confusion: [[3, 1], [2, 4]], classes: ['a', 'b'] },
  { task: 'regression', rows: 10, rmse: 1.5, mae: 1.1, r2: 0.7 }
]

/** Every emitted key is listed in the help, and every listed key is emitted by some line. */
function assertDocumented (command: string, help: string, fields: readonly string[], lines: Array<Record<string, unknown>>): void {
  const listed = jsonKeys(fields)
  for (const key of listed) assert.ok(new RegExp(`(^|[ :,(])${key}\\b`).test(help), `${command} --help lists ${key}: ${help}`)
  const emitted = new Set(lines.flatMap(l => Object.keys(l)))
  for (const key of emitted) assert.ok(listed.includes(key), `${command} --json emits ${key}, which its help does not list`)
  for (const key of listed) assert.ok(emitted.has(key), `${command} --help lists ${key}, which its --json never emits`)
}

test('train --help lists every key of train --json, for each task, with and without a hold-out', () => {
  const lines = METRICS.flatMap(m => [true, false].map(holdout => {
    const epoch = { epoch: 1, step: 5, rows: 100, loss: 0.5, accuracy: m.task === 'regression' ? NaN : 0.7, seconds: 1, rowsPerSecond: 100, learningRate: 0.001, ...(holdout ? { validation: m } : {}) }
    const result: TrainResult = { runner: { backend: 'cpu' } as ModelRunner, epochs: [epoch], bestEpoch: 1, stoppedEarly: false, validationRows: holdout ? 10 : 0, rows: 100, offsets: {}, deadLettered: 0, rowsPerSecond: 100, seconds: 1, interrupted: false }
    return trainSummary(result, 'susy@1', null, '/tmp/p.svg')
  }))
  assertDocumented('train', jsonHelpText(['train']), TRAIN_JSON, lines)
})

test('online --help lists every key of online --json, for each task, with and without --compare-start and --window', () => {
  const curve = [{ rows: 10, accuracy: 0.5, loss: 0.7, batchAccuracy: 0.5 }, { rows: 20, accuracy: 0.6, loss: 0.6, batchAccuracy: 0.7 }]
  const windows = { size: 10, lastRows: 10, accuracy: [0.5, 0.6], loss: [0.7, 0.6] }
  const lines = METRICS.flatMap(m => [true, false].map(compare => {
    const r: OnlineResult = {
      rows: 20, batches: 2, versions: ['susy@2'], prequentialAccuracy: 0.6, prequentialLoss: 0.6, prequentialAuc: 0.6, prequential: m,
      model: 'susy@2', resumedFrom: 'susy@1', deadLettered: 0, backend: 'cpu', step: 32, fastStart: '0', drift: 'page-hinkley,boost', seconds: 2, busySeconds: 1, curve, driftDetections: [{ row: 12, partition: 0, offset: '11' }], ...(compare ? { baselineCurve: curve, windows } : {})
    }
    return { ...onlineSummary(r), plot: '/tmp/p.svg' }
  }))
  assertDocumented('online', jsonHelpText(['online']), ONLINE_JSON, lines)
})

test('evaluate --help lists every key of evaluate --json, for each task, skipped records or not', () => {
  const lines = METRICS.flatMap(m => [evaluationJson(m, { model: 'susy@1', backend: 'cpu', source: 'x' }), evaluationJson(m, { model: 'susy@1', backend: 'cpu', source: 'x', skipped: { arity: 1 } })])
  assertDocumented('evaluate', jsonHelpText(['evaluate']), EVALUATE_JSON, lines)
})

test('score --help lists every key of score --json', () => {
  const r: ScoreResult = { records: 5, batches: 1, transactions: 1, aborted: 0, seconds: 2, busySeconds: 1, recordsPerSecond: 5, model: 'susy@1', predictions: 5, deadLettered: 0, guarantee: 'exactly-once' }
  assertDocumented('score', jsonHelpText(['score']), SCORE_JSON, [scoreSummary(r, 'cpu')])
})

test('models prune without --keep points to `models prune --help`, which shows --keep', () => {
  const run = spawnSync(process.execPath, [CLI, 'models', 'prune'], { encoding: 'utf8' })
  assert.is(run.status, 2)
  assert.match(run.stderr, /required option '--keep <n>' not specified \(run `streamfit models prune --help` for usage\)/)
  assert.match(execFileSync(process.execPath, [CLI, 'models', 'prune', '--help'], { encoding: 'utf8' }), /--keep <n>/)
  // A top-level command's mistake still points to that command's page.
  assert.match(spawnSync(process.execPath, [CLI, 'train', '--frob'], { encoding: 'utf8' }).stderr, /\(run `streamfit train --help` for usage\)/)
})

test.run()
