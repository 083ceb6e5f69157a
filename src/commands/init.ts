// `streamfit init`: a dataset spec from a data file. Samples the first rows, infers each
// column's type, the id, the label and the task (rules in src/spec/infer.ts), writes the spec as
// commented YAML and says what it decided and why, one line per column.
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import type { Command } from 'commander'
import { parse } from 'yaml'
import { parseNumber } from '../config.js'
import { UsageError } from '../errors.js'

interface InitFlags {
  data: string
  label?: string
  name?: string
  out?: string
  sample: string
  force?: boolean
  json?: boolean
}

export function register (program: Command): void {
  program.command('init')
    .description('write a dataset spec for a CSV or JSON-lines file: column types, id, label and task inferred from a sample, each decision explained')
    .requiredOption('--data <path|url>', '.csv, .csv.gz, .jsonl or .jsonl.gz file (CSV: any of , ; tab | as delimiter, with or without a header)')
    .option('--label <column>', 'the column (JSON: field path) to predict (default: one named label, target, class or y, else the last)')
    .option('--name <name>', 'the data set\'s name: topics <name>-train, -test, -predictions, -dlq (default: the file\'s base name)')
    .option('--out <file>', 'where to write the spec (default: <name>.spec.yaml here)')
    .option('--sample <n>', 'rows to infer from (the first N)', '10000')
    .option('--force', 'overwrite the spec file if it exists')
    .option('--json', 'end with one JSON line: the spec\'s path and every decision')
    .action(async (flags: InitFlags) => {
      const name = flags.name ?? nameOf(flags.data)
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new UsageError(`--name "${name}": use letters, digits, ".", "_" or "-" (it names the topics)`)
      const file = flags.out ?? `${name}.spec.yaml`
      if (existsSync(file) && flags.force !== true) throw new UsageError(`${file} exists: pass --force to overwrite it, or --out another file`)
      const rows = parseNumber('--sample', flags.sample, { min: 1 })
      const { sampleData } = await import('../spec/sample-data.js')
      const { inferSpec } = await import('../spec/infer.js')
      const { specYaml, decisionLine } = await import('../spec/write-spec.js')
      const { validateSpec } = await import('../spec/validate.js')
      const { sample, skipped } = await sampleData(flags.data, rows)
      for (const row of skipped.slice(0, 10)) process.stderr.write(`skipped line ${row.line}: ${row.reason}\n`)
      if (skipped.length > 10) process.stderr.write(`… and ${skipped.length - 10} more unreadable rows\n`)
      const inference = inferSpec(sample, { name, ...(flags.label !== undefined ? { label: flags.label } : {}) })
      const text = specYaml(inference, { file, data: flags.data, rows: sample.rows })
      // What is written must read back as a valid spec, or nothing is written.
      validateSpec(parse(text), file)
      await writeFile(file, text)
      const format = sample.format.type === 'csv'
        ? `CSV, delimiter ${JSON.stringify(sample.format.delimiter)}, ${sample.header ? 'a header naming' : 'no header:'} ${sample.columns.length} columns${sample.header ? '' : ' named column0…'}`
        : `JSON lines, ${sample.columns.length} fields`
      const width = Math.max(...inference.columns.map(c => c.column.length))
      // With --json stdout carries the JSON line alone (as every command's --json), the account goes to stderr.
      const out = flags.json === true ? process.stderr : process.stdout
      out.write([
        `read ${sample.rows} rows of ${flags.data} (${format})${skipped.length > 0 ? `, ${skipped.length} unreadable skipped` : ''}`,
        ...inference.columns.map(c => decisionLine(c, width)),
        `task: ${inference.task.reason}`,
        `wrote ${file}: edit it, then \`streamfit load --spec ${file} --data ${flags.data}\``
      ].join('\n') + '\n')
      if (flags.json === true) {
        process.stdout.write(JSON.stringify({
          spec: resolve(file),
          name,
          rows: sample.rows,
          skipped: skipped.length,
          format: sample.format.type === 'csv' ? { type: 'csv', delimiter: sample.format.delimiter, header: sample.header } : { type: 'json' },
          columns: inference.columns,
          task: inference.task
        }) + '\n')
      }
    })
}

/** The file's base name without its extensions, in the characters a topic name may have. */
export function nameOf (data: string): string {
  const base = basename(data.replace(/[?#].*$/, '')).replace(/(\.(csv|tsv|txt|psv|jsonl|ndjson|json))?(\.(gz|zip))?$/i, '')
  const clean = base.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '')
  return clean === '' ? 'dataset' : clean
}
