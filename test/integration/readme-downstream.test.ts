// The README's downstream snippet, run as written against predictions the real scorer wrote:
// only the broker address, topic and group are replaced. It must print each prediction's model
// version (from the header) and score; the old snippet printed `undefined` for the header
// because this client's header keys are Buffers.
import { spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import { runScore } from '../../topologies/score.js'
import { FixedPredictor } from '../support/fixed-predictor.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'

const { kafka } = loadConfig()
const README = fileURLToPath(new URL('../../../README.md', import.meta.url)) // dist/test/integration -> repo root

/** The code block after "A downstream service reads predictions like this". */
function snippet (): string {
  const text = readFileSync(README, 'utf8')
  const at = text.indexOf('A downstream service reads predictions like this')
  assert.ok(at >= 0, 'README has the downstream snippet')
  const block = /```js\n([\s\S]*?)```/.exec(text.slice(at))
  assert.ok(block !== null, 'the snippet is a js code block')
  return block[1]!
}

test('the README downstream snippet prints the model header and the score of committed predictions', async () => {
  const input = uniqueName('readme-in')
  const predictions = uniqueName('readme-out')
  const dlq = uniqueName('readme-dlq')
  const group = uniqueName('readme-g')
  // Inside the package, so that the snippet's import resolves as it does in a user's project.
  const file = fileURLToPath(new URL(`./${uniqueName('readme-snippet')}.mjs`, import.meta.url))
  try {
    await writeSynthetic(kafka, input, 20, { partitions: 2 })
    await ensureTopics(kafka, [{ name: predictions, partitions: 2 }, { name: dlq, partitions: 1 }])
    const scored = await runScore({ kafka, topic: input, predictionsTopic: predictions, dlqTopic: dlq, groupId: group, predictor: new FixedPredictor('fixed@4'), batchSize: 50, maxWaitMs: 50, streamTimeout: 1500, transactionalId: `${group}-tx` })
    assert.is(scored.predictions, 20)

    const code = snippet()
      .replace("['localhost:9092']", JSON.stringify(kafka.brokers))
      .replace("'susy-predictions'", JSON.stringify(predictions))
      .replace("groupId: 'dashboard'", `groupId: ${JSON.stringify(uniqueName('readme-dashboard'))}`)
    assert.ok(code.includes(predictions) && code.includes(kafka.brokers[0]!), 'the snippet names a broker list and the predictions topic')
    writeFileSync(file, code)

    // As a user's service would print it to a pipe: the test runner's FORCE_COLOR would colour numbers.
    const { FORCE_COLOR: _colour, ...env } = process.env
    const child = spawn(process.execPath, [file], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c })
    child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c })
    const deadline = Date.now() + 30_000
    while (out.split('\n').filter(Boolean).length < 20 && Date.now() < deadline && child.exitCode === null) await new Promise(resolve => setTimeout(resolve, 100))
    child.kill('SIGKILL')
    const lines = out.split('\n').filter(Boolean)
    assert.is(lines.length, 20, `20 predictions printed; stdout:\n${out}\nstderr:\n${err}`)
    for (const line of lines) assert.match(line, /^fixed@4 0\.\d+$|^fixed@4 [01]$/, `model header and score: ${line}`)
  } finally {
    rmSync(file, { force: true })
    await deleteTopics(kafka, [input, predictions, dlq])
  }
})

test.run()
