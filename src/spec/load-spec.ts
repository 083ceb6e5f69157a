// Reads a dataset spec file (YAML or JSON: YAML is a superset of JSON, so one parser reads both).
// The parser and the validator (Ajv compiles the schema) load only when a file is read: a command
// run without --spec does not pay for them.
import { readFile } from 'node:fs/promises'
import type { Config } from '../config.js'
import { UsageError } from '../errors.js'
import { susySpec } from './susy.js'
import type { DatasetSpec } from './types.js'

/** The spec in `file`, validated, defaults filled in. */
export async function readSpec (file: string): Promise<DatasetSpec> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(`--spec ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give the path of a spec file (streamfit init writes one)`)
  }
  const [{ parse }, { SpecError, validateSpec }] = await Promise.all([import('yaml'), import('./validate.js')])
  let parsed: unknown
  try {
    parsed = parse(text, { prettyErrors: true })
  } catch (error) {
    throw new SpecError(file, [`not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`])
  }
  return validateSpec(parsed, file)
}

/** The --spec flag's spec, or SUSY's (named by the configuration) without one. */
export async function specFor (file: string | undefined, config: Pick<Config, 'topics'>): Promise<DatasetSpec> {
  return file === undefined ? susySpec(config) : await readSpec(file)
}

/** `config` with the spec's topics: every command reads and writes the spec's topics through it. */
export function withSpecTopics<C extends Pick<Config, 'topics'>> (config: C, spec: DatasetSpec): C {
  const t = spec.topics
  return { ...config, topics: { train: t.train.name, test: t.test.name, predictions: t.predictions.name, dlq: t.deadLetters.name } }
}
