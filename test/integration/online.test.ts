// `streamfit online` against the real broker and Redis, as a user runs it (a child process):
// the tutorial's 4,800 training rows learnt exactly once with a prequential accuracy well above
// chance, and a SIGTERM that finishes the mini-batch, saves, commits and exits 0.
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { committedOffsets, groupVersions, lineageChain, runOnlineCli, spawnOnline, startOnlineFixture, stopFixtures, TRAIN_ROWS, waitForLine } from '../support/online.js'

const config = loadConfig()

test.after(stopFixtures)

test('online --stream-timeout 5000 --json --window 1000 trains on exactly the 4,800 train rows, prequential accuracy >= 0.72', async () => {
  const f = await startOnlineFixture(config, 'online-done')
  const { code, json, stderr } = await runOnlineCli(f, ['--stream-timeout', '5000', '--json', '--seed', '7', '--window', '1000'])
  assert.is(code, 0, stderr)
  // --window: the rows cut into windows of 1,000 whatever the mini-batches (256), adding up to the run's figures.
  const windows = json.prequentialWindows as { size: number, lastRows: number, accuracy: number[], loss: number[] }
  assert.equal([windows.size, windows.accuracy.length, windows.loss.length, windows.lastRows], [1000, 5, 5, 800])
  const weighted = (v: number[]): number => v.reduce((sum, x, i) => sum + x * (i < 4 ? 1000 : 800), 0) / TRAIN_ROWS
  assert.ok(Math.abs(weighted(windows.accuracy) - (json.prequentialAccuracy as number)) < 2e-4, `windows ${windows.accuracy} against ${json.prequentialAccuracy}`)
  assert.ok(Math.abs(weighted(windows.loss) - (json.prequentialLoss as number)) < 2e-4, `windows ${windows.loss} against ${json.prequentialLoss}`)
  assert.is(json.rows, TRAIN_ROWS)
  assert.is(json.step, 32, 'the tutorial\'s MLP (68,481 weights) learns in steps of 32 rows')
  assert.is(json.fastStart, '0', 'a new model this large gets no fast start (it did SUSY harm)')
  assert.is(json.drift, 'page-hinkley,boost', 'nor the CUSUM and refit (they did too)')
  assert.ok((json.prequentialAccuracy as number) >= 0.72, `prequential accuracy ${json.prequentialAccuracy}`)
  assert.ok(Array.isArray(json.versions) && (json.versions as string[]).length >= 1)
  assert.is(json.model, (json.versions as string[]).at(-1))
  assert.is(json.batches, Math.ceil(TRAIN_ROWS / 256))
  assert.ok((json.prequentialAuc as number) > 0.75, `prequential AUC ${json.prequentialAuc}`)
  // The learning curve: prequential accuracy over the rows learnt.
  assert.match(readFileSync(json.plot as string, 'utf8'), /^<svg[\s\S]*prequential accuracy[\s\S]*<\/svg>$/)
  // The stored lineage agrees: the last version has consumed the whole partition, and Kafka's
  // committed offset (for lag tools) was moved there after the save.
  const chain = await lineageChain(f)
  assert.is(chain.at(-1)!.ref, json.model)
  assert.is(chain.at(-1)!.rows, TRAIN_ROWS)
  assert.equal(chain.at(-1)!.online.positions, [String(TRAIN_ROWS)])
  assert.equal(await committedOffsets(f), [BigInt(TRAIN_ROWS)])
  // A second run of the same group has nothing left to learn.
  const again = await runOnlineCli(f, ['--stream-timeout', '1000', '--json'])
  assert.is(again.code, 0, again.stderr)
  assert.is(again.json.rows, 0)
  assert.is(again.json.resumedFrom, json.model)
})

// A smaller topic keeps this test short; what matters is where the stop lands.
const ROWS = 1600

test('SIGTERM finishes the mini-batch in hand, saves, commits and exits 0; the next run goes on from there', async () => {
  const f = await startOnlineFixture(config, 'online-term', ROWS)
  const child = spawnOnline(f, ['--stream-timeout', '5000', '--json', '--save-every', '1000', '--max-records', '128'], { STREAMFIT_LOG_LEVEL: 'debug' })
  // Stop it once it has trained a few mini-batches but long before the end (save-every 1000:
  // only the stop saves).
  await waitForLine(child, /"msg":"model on the/)
  await waitForLine(child, /"msg":"trained mini-batch 3"/)
  child.kill('SIGTERM')
  const first = await child.result
  assert.is(first.code, 0, first.stderr)
  const rows = first.json.rows as number
  assert.ok(rows >= 3 * 128 && rows < ROWS, `stopped after ${rows} rows`)
  assert.is((first.json.versions as string[]).length, 1, 'one version, saved at the stop')
  let chain = await lineageChain(f)
  assert.is(chain.at(-1)!.rows, rows)
  assert.equal(await committedOffsets(f), [BigInt(chain.at(-1)!.online.positions[0])], 'committed after the save')

  // The second run also prunes: only the newest version of the lineage stays in Redis.
  const second = await runOnlineCli(f, ['--stream-timeout', '3000', '--json', '--save-every', '2', '--keep-versions', '1'])
  assert.is(second.code, 0, second.stderr)
  assert.is(second.json.resumedFrom, first.json.model)
  assert.is((first.json.rows as number) + (second.json.rows as number), ROWS)
  assert.ok((second.json.versions as string[]).length >= 2)
  assert.equal(await groupVersions(f), [second.json.model])
  chain = await lineageChain(f, { partial: true })
  assert.is(chain.length, 1)
  assert.is(chain[0].rows, ROWS)
  assert.equal(chain[0].online.positions, [String(ROWS)])
})

test.run()
