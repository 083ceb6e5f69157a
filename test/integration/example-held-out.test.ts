// examples/held-out-figures.ts, the hand-written topology over a topic of one's own, run as a user
// runs it against cars (JSON lines, a categorical Origin, imputed Horsepower, unlabelled rows):
// its figures are `streamfit evaluate --spec`'s on the same model and topic, and every record of
// the test topic is either in them or counted as left out.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config.js'
import { PACKAGE_ROOT } from '../../src/infra/paths.js'
import { deleteTopics, endOffsets } from '../../src/kafka/admin.js'
import { lastJson, runCli } from '../support/cli.js'
import { uniqueName } from '../support/names.js'

const { kafka } = loadConfig()

test('the example prints evaluate\'s figures for a model trained on a spec of its own', async () => {
  const name = uniqueName('example-cars')
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-example-'))
  const spec = parse(readFileSync(join(PACKAGE_ROOT, 'specs/cars.yaml'), 'utf8')) as { name: string, topics: Record<string, { name: string }> }
  spec.name = name
  for (const [k, t] of Object.entries(spec.topics)) t.name = `${name}-${k}`
  const file = join(dir, 'cars.json')
  writeFileSync(file, JSON.stringify(spec))
  const env = { STREAMFIT_REGISTRY_PREFIX: `streamfit-test:${name}:` }
  try {
    await runCli(['load', '--spec', file, '--data', join(PACKAGE_ROOT, 'data/cars.jsonl'), '--test-fraction', '0.25', '--json'], env)
    await runCli(['train', '--spec', file, '--epochs', '8', '--backend', 'wasm', '--seed', '1', '--json'], env, { timeoutMs: 240_000 })
    const example = await runExample(['--spec', file, '--json'], env)
    const evaluated = (await runCli(['evaluate', '--spec', file, '--backend', 'wasm', '--json'], env)).json
    assert.is(example.model, `${name}@1`)
    assert.is(example.task, 'regression')
    assert.is(example.rows, evaluated.rows)
    // evaluate's --json rounds to 4 decimals (and the example computes on the default backend).
    for (const figure of ['rmse', 'mae', 'r2']) {
      assert.ok(Math.abs((example[figure] as number) - (evaluated[figure] as number)) <= 6e-5, `${figure}: example ${String(example[figure])}, evaluate ${String(evaluated[figure])}`)
    }
    const total = Object.values(await endOffsets(kafka, `${name}-test`)).reduce((s, e) => s + Number(e), 0)
    const skipped = Object.values(example.skipped as Record<string, number>).reduce((s, c) => s + c, 0)
    assert.ok(skipped > 0, 'the unlabelled cars rows are counted as left out')
    assert.is((example.rows as number) + skipped, total, 'every test record is in the figures or counted as left out')
  } finally {
    await deleteTopics(kafka, Object.values(spec.topics).map(t => t.name)).catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
})

/** node dist/examples/held-out-figures.js …: its last JSON line. */
async function runExample (args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist/examples/held-out-figures.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c })
  child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c })
  const code = await new Promise<number | null>(resolve => child.once('close', resolve))
  assert.is(code, 0, `the example exited ${code}: ${err.slice(-2000)}`)
  return lastJson(out)
}

test.run()
