// `streamfit evaluate`: scores a labelled SUSY file with a stored model: accuracy, AUC, loss.
// With --spec, any data set's records (its test topic by default) by its task's figures
// (evaluate-spec.ts); without, exactly the SUSY evaluation it always was.
import type { Command } from 'commander'
import { loadConfig, parseNumber } from '../config.js'
import { BadRowError, UsageError } from '../errors.js'
import { parseFeatures } from '../codec/susy-csv.js'
import { readRows } from '../data/load-susy.js'
import { readTopicRows } from '../data/topic-rows.js'
import { requireServices } from '../infra/probe.js'
import { FEATURE_COUNT } from '../data/susy.js'
import { parseBackend } from '../ml/backend.js'
import { binaryMetrics } from '../ml/evaluation.js'
import { evaluationJson, formatEvaluation } from './evaluation-report.js'
import { specConfig, specFlag } from './flags.js'
import { openModel } from '../registry/open-model.js'
import { ModelRegistry } from '../registry/registry.js'
import { EVALUATE_JSON, jsonHelp } from './json-fields.js'

interface EvaluateFlags {
  spec?: string
  data?: string
  topic?: string
  model?: string
  backend: string
  rows?: string
  batchSize: string
  json?: boolean
}

export function register (program: Command): void {
  specFlag(program
    .command('evaluate')
    .description('score labelled SUSY rows (a file, or a topic such as susy-test) with a stored model: accuracy, AUC, loss; with --spec, any data set (its test topic by default) by its task\'s figures'))
    .option('--data <path|url>', 'labelled rows (.csv, .csv.gz, .zip or URL, as for load): label first, then the 18 features; with --spec, a file as load --spec reads it')
    .option('--topic <name>', 'labelled records of a topic, every partition up to its end (key = label, as load writes them), e.g. susy-test; with --spec and neither flag: the spec\'s test topic')
    .option('--model <ref>', 'model version: NAME@latest or NAME@N (default: susy@latest, with --spec the spec\'s name@latest)')
    .option('--backend <name>', 'auto, gpu, node, wasm or cpu', 'auto')
    .option('--rows <n>', 'only the first N rows')
    .option('--batch-size <n>', 'rows per prediction request', '4096')
    .option('--json', jsonHelp('print one JSON line (the fields of the model\'s task)', EVALUATE_JSON))
    .action(async (flags: EvaluateFlags) => {
      const batchSize = parseNumber('--batch-size', flags.batchSize, { min: 1 })
      const rowLimit = flags.rows !== undefined ? parseNumber('--rows', flags.rows, { min: 1 }) : undefined
      if (flags.spec !== undefined) {
        const { config, spec } = await specConfig(flags.spec)
        const { evaluateWithSpec } = await import('./evaluate-spec.js')
        await evaluateWithSpec(config, spec, { ...flags, batchSize, rows: rowLimit })
        return
      }
      const config = loadConfig()
      if ((flags.data === undefined) === (flags.topic === undefined)) throw new UsageError('evaluate needs --data <path|url> or --topic <name>: give exactly one of them (or --spec FILE: its test topic)')
      const limit = rowLimit !== undefined ? { rows: rowLimit } : {}
      const source = flags.data ?? `topic ${flags.topic}`
      // evaluate has no --skip-bad (every row counts in the figures): the fix is the row itself.
      const read = flags.data !== undefined
        ? await readRows(flags.data, limit).catch((error: unknown) => {
          throw error instanceof BadRowError ? new BadRowError(error.row, flags.data!, 'fix or remove the row: evaluate scores every row, so each must be a label and 18 numbers') : error
        })
        : await requireServices(config, { topics: [flags.topic!] }).then(() => readTopicRows(config.kafka, flags.topic!, limit))
      const n = read.values.length
      const xs = new Float32Array(n * FEATURE_COUNT)
      read.values.forEach((value, i) => {
        const failure = parseFeatures(value, xs, i * FEATURE_COUNT, FEATURE_COUNT)
        if (failure) throw new UsageError(`${source}: row ${i + 1}: ${failure.reason}: ${failure.detail}`)
      })
      const ys = Float32Array.from(read.labels)

      const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix: config.registryPrefix })
      let model
      try {
        model = await openModel(registry, flags.model ?? 'susy@latest', { backend: parseBackend(flags.backend) })
      } finally {
        await registry.close()
      }
      const { runner } = model
      try {
        const scores = new Float32Array(n)
        for (let at = 0; at < n; at += batchSize) {
          const rows = Math.min(batchSize, n - at)
          scores.set(await runner.predict(xs.subarray(at * FEATURE_COUNT, (at + rows) * FEATURE_COUNT), rows), at)
        }
        const m = { task: 'binary' as const, ...binaryMetrics(scores, ys) }
        const by = { model: runner.version, backend: runner.backend, source }
        process.stdout.write(flags.json === true ? JSON.stringify(evaluationJson(m, by)) + '\n' : formatEvaluation(m, by))
      } finally {
        await runner.close()
      }
    })
}
