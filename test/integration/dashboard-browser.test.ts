// The live dashboard as a person sees it: `streamfit score` and `streamfit online` run as child
// processes on the real broker with rows flowing in, their page is opened in headless Chromium,
// and the test reads what is on screen: the topology (the same steps `streamfit describe`
// prints), records/s moving, the model version, the lag, the prequential curve. A screenshot of
// each page is written and its path printed for CI to keep.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Page } from 'playwright-core'
import { loadConfig } from '../../src/config.js'
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js'
import type { TopologyDescription } from '../../src/runtime/describe.js'
import { openPage, screenshot, type Browser } from '../support/browser.js'
import { feedRows, type Feeder } from '../support/feeder.js'
import { writeSynthetic } from '../support/synthetic.js'
import { uniqueName } from '../support/names.js'
import { runCli, startCli, type CliProcess } from '../support/cli.js'
import { dropRegistry, saveSeededModel } from '../support/stored-model.js'
import { freePort, waitFor, withTimeout } from '../support/wait.js'

const config = loadConfig()

interface Run { app: CliProcess, feeder: Feeder, browser?: Browser, topics: string[], prefix: string }
const runs: Run[] = []

test.after(async () => {
  for (const run of runs.splice(0)) {
    await run.browser?.close()
    await run.feeder.stop().catch(() => {})
    if (run.app.child.exitCode === null) {
      run.app.child.kill('SIGTERM')
      await withTimeout(run.app.exited, 30_000, `${run.app.name} to stop`).catch(() => run.app.child.kill('SIGKILL'))
    }
    await deleteTopics(config.kafka, run.topics).catch(() => {})
    await dropRegistry(run.prefix)
  }
})

const texts = (page: Page, selector: string): Promise<string[]> => page.locator(selector).allTextContents()
const number = (text: string): number => Number(text.replace(/,/g, ''))

/** The figure in the records/s card of `topic`, as the page shows it. */
async function rateOf (page: Page, topic: string): Promise<number> {
  const card = page.locator('[data-testid=stage]').filter({ has: page.locator('[data-testid=stage-topic]', { hasText: topic }) })
  return number(await card.locator('[data-testid=rate]').first().textContent() ?? 'NaN')
}

/** A table's rows as the page shows them; the lag table's are [topic, partition, committed, lag]. */
async function tableRowsOf (page: Page, table = 'lag'): Promise<string[][]> {
  const rows = page.locator(`#${table} tbody tr[data-testid=row]`)
  const out: string[][] = []
  for (let i = 0; i < await rows.count(); i++) out.push(await rows.nth(i).locator('td').allTextContents())
  return out
}

async function assertTopology (page: Page, description: TopologyDescription): Promise<void> {
  // Every step of the description is a node, in pipeline order, under its own name.
  assert.equal(await texts(page, '[data-testid=topology-node] .name'), description.steps.map(s => s.name.length > 20 ? `${s.name.slice(0, 19)}…` : s.name))
  const topics = await page.locator('[data-testid=topology-topic] title').allTextContents()
  for (const step of description.steps) {
    for (const topic of [...step.topics ?? [], ...step.sideOutputs ?? []]) assert.ok(topics.includes(`topic ${topic}`), `topic ${topic} drawn (${topics.join(', ')})`)
  }
  assert.match(await page.locator('[data-testid=guarantee]').textContent() ?? '', description.guarantee)
}

test('score: the page shows the topology, records/s moving, the model version and the lag', async () => {
  const id = uniqueName('dash-score')
  const topics = { in: `${id}-in`, out: `${id}-out`, dlq: `${id}-dlq` }
  const prefix = `${id}:`
  const env = { STREAMFIT_TEST_TOPIC: topics.in, STREAMFIT_PREDICTIONS_TOPIC: topics.out, STREAMFIT_DLQ_TOPIC: topics.dlq, STREAMFIT_REGISTRY_PREFIX: prefix }
  await ensureTopics(config.kafka, [{ name: topics.in, partitions: 2 }, { name: topics.out, partitions: 2 }, { name: topics.dlq, partitions: 1 }])
  const model = await saveSeededModel(prefix)
  const description = (await runCli(['describe', 'score', '--json'], env)).json as unknown as TopologyDescription
  const port = await freePort()
  const app = startCli('scorer', ['score', '--group', `${id}-g`, '--metrics-port', String(port), '--stream-timeout', '-1', '--batch-size', '200', '--max-wait-ms', '200', '--backend', 'wasm'], env)
  // About 400 rows/s keep arriving while the page is watched; one row in 100 is undecodable.
  const run: Run = { app, feeder: feedRows(config.kafka, topics.in, { partitions: 2, rows: 100, everyMs: 250, badEvery: 100 }), topics: Object.values(topics), prefix }
  runs.push(run)
  const url = `http://127.0.0.1:${port}/`
  await waitFor('the dashboard to answer', async () => (await fetch(url)).ok, { timeoutMs: 60_000, everyMs: 250 })
  run.browser = await openPage(url)
  const { page } = run.browser

  const first = await waitFor('records/s above zero on the page', async () => {
    const rate = await rateOf(page, topics.in)
    return rate > 0 ? rate : undefined
  }, { timeoutMs: 90_000, everyMs: 500 })
  assert.match(await page.locator('[data-testid=connection]').textContent() ?? '', /^live/)
  await assertTopology(page, description)
  // The figure is live: it changes from one read to a later one.
  const second = await waitFor('records/s to change', async () => {
    const rate = await rateOf(page, topics.in)
    return rate !== first && rate > 0 ? rate : undefined
  }, { timeoutMs: 20_000, everyMs: 1000 })
  assert.ok(second > 0 && second !== first, `records/s ${first} then ${second}`)
  assert.ok(await rateOf(page, topics.out) > 0, 'predictions out per second')
  // The records/s chart has a line.
  assert.ok(Number(await page.locator('[data-testid=stage] svg').first().getAttribute('data-points')) >= 2)

  assert.is(await page.locator('[data-testid=model-version]').textContent(), model)
  assert.match(await page.locator('[data-testid=versions]').textContent() ?? '', model)
  assert.ok(await page.locator('#learning-section').isHidden(), 'no learning curves for a scorer')

  // Lag per partition of the input topic, with a committed offset that moves forward.
  const lagOf = async (): Promise<Map<number, { committed: number, lag: number }>> =>
    new Map((await tableRowsOf(page)).filter(r => r[0] === topics.in && r[2] !== 'none').map(r => [Number(r[1]), { committed: number(r[2]), lag: number(r[3]) }]))
  const before = await waitFor('both partitions in the lag table', async () => { const m = await lagOf(); return m.size === 2 ? m : undefined }, { timeoutMs: 30_000, everyMs: 500 })
  for (const { lag } of before.values()) assert.ok(Number.isInteger(lag) && lag >= 0, `lag ${lag}`)
  await waitFor('a committed offset to move on the page', async () => {
    const now = await lagOf()
    return [...now].some(([p, r]) => r.committed > before.get(p)!.committed)
  }, { timeoutMs: 30_000, everyMs: 1000 })

  // Replication of the input topic as the one test broker has it: 2 partitions, 1 replica, 1 in sync.
  await waitFor('the input topic in the replication table', async () =>
    (await tableRowsOf(page, 'replication')).some(r => r.join('|') === `${topics.in}|2|1|1`), { timeoutMs: 30_000, everyMs: 500 })

  assert.ok(number(await page.locator('[data-testid=tx-committed]').textContent() ?? '0') > 0, 'transactions committed')
  assert.match(await page.locator('[data-testid=latency-p50]').textContent() ?? '', /ms$/)
  // 'not,a,row' has 3 fields, not 18: counted under the reason its dead letter carries.
  await waitFor('dead letters by reason', async () => (await texts(page, '#dead-letters tbody td')).includes('arity'), { timeoutMs: 20_000 })
  assert.not.ok((await texts(page, '#dead-letters tbody td')).includes('decode'), 'no catch-all reason')
  await waitFor('the dead-letter topic among the sinks\' records/s', async () => await rateOf(page, topics.dlq) > 0, { timeoutMs: 20_000, everyMs: 500 })
  assert.match(await page.locator('[data-testid=process-backend]').textContent() ?? '', /wasm/)
  assert.match(await page.locator('[data-testid=rss]').textContent() ?? '', /MiB$/)
  // The configuration is shown as the logs show it: no secrets, the real topics.
  assert.match(await page.locator('[data-testid=config]').textContent() ?? '', topics.in)

  await screenshot(page, 'dashboard-score')
})

test('online: the page shows the prequential curve with points and the versions saved', async () => {
  const id = uniqueName('dash-online')
  const topics = { train: `${id}-train`, dlq: `${id}-dlq` }
  const prefix = `${id}:`
  const env = { STREAMFIT_TRAIN_TOPIC: topics.train, STREAMFIT_DLQ_TOPIC: topics.dlq, STREAMFIT_REGISTRY_PREFIX: prefix }
  await writeSynthetic(config.kafka, topics.train, 2000, { partitions: 1 })
  await ensureTopics(config.kafka, [{ name: topics.dlq, partitions: 1 }])
  const description = (await runCli(['describe', 'online', '--json'], env)).json as unknown as TopologyDescription
  const port = await freePort()
  const app = startCli('online', ['online', '--group', `${id}-g`, '--metrics-port', String(port), '--stream-timeout', '-1', '--backend', 'wasm', '--seed', '7', '--save-every', '5', '--max-records', '128'], env)
  const run: Run = { app, feeder: feedRows(config.kafka, topics.train, { partitions: 1, rows: 50, everyMs: 250 }), topics: Object.values(topics), prefix }
  runs.push(run)
  const url = `http://127.0.0.1:${port}/`
  await waitFor('the dashboard to answer', async () => (await fetch(url)).ok, { timeoutMs: 60_000, everyMs: 250 })
  run.browser = await openPage(url)
  const { page } = run.browser

  await waitFor('prequential accuracy curve with points', async () =>
    Number(await page.locator('[data-testid=accuracy-chart] svg').getAttribute('data-points').catch(() => '0')) >= 3, { timeoutMs: 120_000, everyMs: 500 })
  assert.ok(Number(await page.locator('[data-testid=loss-chart] svg').getAttribute('data-points')) >= 2, 'loss curve has points')
  assert.match(await page.locator('#learning-title').textContent() ?? '', /Prequential/)
  const accuracy = Number(await page.locator('[data-testid=accuracy-chart] .big').textContent())
  assert.ok(accuracy >= 0 && accuracy <= 1, `prequential accuracy ${accuracy}`)
  // The task's figures (binary: accuracy, AUC, log-loss), prequential, each a card with its value.
  const names = await waitFor('the task\'s figures', async () => { const n = await texts(page, '[data-testid=figure-name]'); return n.includes('AUC') ? n : undefined }, { timeoutMs: 30_000, everyMs: 500 })
  assert.equal(names, ['accuracy', 'AUC', 'log-loss'])
  assert.match(await page.locator('#figures-title').textContent() ?? '', /prequential/)
  for (const value of await texts(page, '[data-testid=figure-value]')) assert.ok(Number(value) >= 0 && Number(value) <= 10, `figure ${value}`)
  await assertTopology(page, description)
  assert.ok(await rateOf(page, topics.train) > 0, 'rows in per second')
  // --save-every 5: versions are saved while the page is open, and the newest is the one in use.
  const versions = await waitFor('two versions saved', async () => { const v = await texts(page, '[data-testid=version]'); return v.length >= 2 ? v : undefined }, { timeoutMs: 60_000, everyMs: 500 })
  const inUse = await page.locator('[data-testid=model-version]').textContent() ?? ''
  assert.match(inUse, /^susy@\d+$/)
  assert.ok((await texts(page, '[data-testid=version]')).at(-1)!.startsWith(`${inUse} at `), `${inUse} last in ${versions.join('; ')}`)
  assert.ok((await tableRowsOf(page)).some(r => r[0] === topics.train), 'lag of the train topic')

  await screenshot(page, 'dashboard-online')
})

test.run()
