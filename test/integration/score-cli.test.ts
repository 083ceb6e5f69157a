// `streamfit score` as a user runs it (the real CLI, broker and Redis): the --json throughput
// figures are named for what they are (recordsPerSecond over the busy time, wallSeconds with the
// idle stream timeout); an idle scorer names the model it holds; logs are readable lines on a
// terminal and JSON lines when piped or with --log-format json; a failure prints no level-50
// JSON stack before its one-line message.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { CLI, lastJson, startCli } from '../support/cli.js'
import { dropRegistry, saveSeededModel } from '../support/stored-model.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'

const { kafka } = loadConfig()
const CLI_DOC = fileURLToPath(new URL('../../../docs/cli.md', import.meta.url)) // dist/test/integration -> repo root
const ROWS = 3000
const IDLE_MS = 2000

const input = uniqueName('score-cli-in')
const predictions = uniqueName('score-cli-out')
const dlq = uniqueName('score-cli-dlq')
const prefix = `${uniqueName('score-cli')}:`
const env = { STREAMFIT_TEST_TOPIC: input, STREAMFIT_PREDICTIONS_TOPIC: predictions, STREAMFIT_DLQ_TOPIC: dlq, STREAMFIT_REGISTRY_PREFIX: prefix }
let model = ''

async function score (args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const p = startCli('score', ['score', '--backend', 'wasm', '--stream-timeout', String(IDLE_MS), ...args], { ...env, ...extraEnv })
  const { code } = await p.exited
  return { code, stdout: p.stdout(), stderr: p.stderr() }
}

/** Runs `streamfit ...args` with stdin, stdout and stderr on a pseudo-terminal (Python's pty module). */
function onTerminal (args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null, output: string }> {
  const { FORCE_COLOR: _colour, ...base } = process.env
  const child = spawn('python3', ['-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', process.execPath, CLI, ...args], { env: { ...base, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => { output += c })
  child.stderr.setEncoding('utf8').on('data', (c: string) => { output += c })
  return new Promise(resolve => child.once('close', code => resolve({ code, output })))
}

function nonEmptyLines (text: string): string[] {
  return text.split(/\r?\n/).filter(l => l.trim() !== '')
}

test.before(async () => {
  await writeSynthetic(kafka, input, ROWS, { partitions: 2 })
  await ensureTopics(kafka, [{ name: predictions, partitions: 2 }, { name: dlq, partitions: 1 }])
  model = await saveSeededModel(prefix)
})

test.after(async () => {
  await deleteTopics(kafka, [input, predictions, dlq])
  await dropRegistry(prefix)
})

test('--json: recordsPerSecond over busySeconds, wallSeconds includes the idle timeout; an idle run names the model', async () => {
  const group = uniqueName('score-cli-g')
  const run = await score(['--group', group, '--json'])
  assert.is(run.code, 0, run.stderr)
  const json = lastJson(run.stdout)
  assert.equal(Object.keys(json), ['records', 'batches', 'transactions', 'aborted', 'wallSeconds', 'busySeconds', 'recordsPerSecond', 'model', 'predictions', 'deadLettered', 'backend'])
  // The manual's --json table (docs/cli.md) lists exactly these fields, in this order.
  const row = readFileSync(CLI_DOC, 'utf8').split('\n').find(l => l.startsWith('| `score` | one line:'))
  assert.ok(row !== undefined, 'docs/cli.md has the score --json row')
  assert.equal([...row.matchAll(/`(\w+)`/g)].map(m => m[1]).slice(1), Object.keys(json))
  assert.is(json.records, ROWS)
  assert.is(json.model, model)
  const wall = json.wallSeconds as number
  const busy = json.busySeconds as number
  // The idle timer starts at the last record read, while its batch is still being scored, so the
  // two overlap by up to a batch: wall holds the timeout and more than the busy time.
  assert.ok(busy > 0 && wall > busy && wall >= IDLE_MS / 1000, `wall ${wall} s holds busy ${busy} s and the ${IDLE_MS} ms idle timeout`)
  const expected = ROWS / busy
  assert.ok(Math.abs((json.recordsPerSecond as number) - expected) <= Math.max(1, expected * 0.01), `recordsPerSecond ${String(json.recordsPerSecond)} = records / busySeconds (${expected.toFixed(1)})`)

  // Nothing left to read: an idle run still names the model it held, not "none".
  const idle = await score(['--group', group, '--json'])
  assert.is(idle.code, 0, idle.stderr)
  const idleJson = lastJson(idle.stdout)
  assert.is(idleJson.records, 0)
  assert.is(idleJson.model, model)
  assert.is(idleJson.recordsPerSecond, 0)
  const text = await score(['--group', group])
  assert.match(text.stdout, new RegExp(`, model ${model}\\b`))
})

test('logs: JSON lines when piped, readable lines on a terminal, JSON on a terminal with --log-format json', async () => {
  const piped = await score(['--group', uniqueName('score-cli-g'), '--json'])
  assert.is(piped.code, 0, piped.stderr)
  const logLines = nonEmptyLines(piped.stderr)
  assert.ok(logLines.length >= 2, piped.stderr)
  for (const line of logLines) assert.is(typeof JSON.parse(line).msg, 'string', `a JSON log line: ${line}`)

  const tty = await onTerminal(['score', '--backend', 'wasm', '--stream-timeout', String(IDLE_MS), '--group', uniqueName('score-cli-g')])
  assert.is(tty.code, 0, tty.output)
  const lines = nonEmptyLines(tty.output)
  assert.ok(lines.every(l => !l.trimStart().startsWith('{')), `no JSON on a terminal:\n${tty.output}`)
  assert.ok(lines.some(l => /\d\d:\d\d:\d\d\.\d{3}.*INFO.*score started/.test(l)), `a readable start line:\n${tty.output}`)
  assert.ok(lines.some(l => /^score: \d+ records/.test(l)), `the result line:\n${tty.output}`)

  const forced = await onTerminal(['score', '--backend', 'wasm', '--stream-timeout', String(IDLE_MS), '--group', uniqueName('score-cli-g'), '--log-format', 'json'])
  assert.is(forced.code, 0, forced.output)
  const json = nonEmptyLines(forced.output).filter(l => l.startsWith('{'))
  assert.ok(json.length >= 2 && json.every(l => typeof JSON.parse(l).level === 'number'), forced.output)
})

test('a failing run: no level-50 JSON stack before its one-line message', async () => {
  const run = await score(['--group', uniqueName('score-cli-g'), '--model', 'susy@99'])
  assert.is(run.code, 2, run.stderr)
  const lines = nonEmptyLines(run.stderr)
  assert.match(lines.at(-1)!, /^streamfit: no version 99 of model "susy"/)
  for (const line of lines.slice(0, -1)) {
    const entry = JSON.parse(line) as { level: number, err?: { stack?: string } }
    assert.ok(entry.level < 50 && entry.err?.stack === undefined, `no error-level log or stack before the message: ${line}`)
  }
})

test.run()
