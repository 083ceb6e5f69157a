// Redis going away under a running `streamfit online`: the learner cannot save, so it stops at
// its next save with one line naming the unreachable registry (exit 2), commits nothing past its
// last saved version, and once Redis is back a rerun resumes from that version: the lineage's
// ranges still tile the topic and every row is trained once. A private Redis (up's own start
// function, with AOF, on a free port) is SIGKILLed and restarted; the broker is the shared one.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../src/config.js'
import { startRedis, stopRedis } from '../../src/infra/redis-server.js'
import { assertLineageTiles, committedOffsets, lineageChain, runOnlineCli, spawnOnline, startOnlineFixture, stopFixtures, waitForLine } from '../support/online.js'
import { freePort } from '../support/wait.js'

const ROWS = 2400
const COMMON = ['--max-records', '100', '--save-every', '2', '--stream-timeout', '4000']

test('Redis killed mid-run: online stops at its next save (exit 2, one line), and a rerun resumes from its last version', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'streamfit-online-outage-'))
  const port = await freePort()
  const password = 'outage-secret'
  const url = `redis://:${password}@127.0.0.1:${port}`
  try {
    await startRedis({ stateDir, port, password })
    const f = await startOnlineFixture({ ...loadConfig(), redisUrl: url }, 'online-outage', ROWS)
    const child = spawnOnline(f, COMMON, { STREAMFIT_LOG_LEVEL: 'info', STREAMFIT_LOG_FORMAT: 'json' })
    await waitForLine(child, /"msg":"saved susy@/)
    assert.ok(await stopRedis({ stateDir, port, signal: 'SIGKILL' }), 'the private Redis was ours to kill')
    const killedAt = Date.now()

    const stopped = await Promise.race([child.result, new Promise<null>(resolve => setTimeout(() => resolve(null), 30_000))])
    if (stopped === null) child.kill('SIGKILL')
    assert.ok(stopped !== null, `online stopped within 30 s of Redis going away:\n${child.stderr().slice(-3000)}`)
    assert.is(stopped.code, 2, `exit 2 (unreachable service):\n${stopped.stderr.slice(-3000)}`)
    const lines = stopped.stderr.split('\n').filter(l => l.startsWith('streamfit: '))
    assert.is(lines.length, 1, `one error line:\n${stopped.stderr.slice(-3000)}`)
    assert.match(lines[0], new RegExp(`no Redis answers at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`))
    assert.match(lines[0], /rerun `streamfit online` to resume from susy@\d+, its last saved version/)
    assert.not.match(stopped.stderr, new RegExp(password), 'the password is masked')
    assert.not.match(stopped.stderr, /\n\s+at /, 'no stack trace')
    console.log(`  online stopped ${Date.now() - killedAt} ms after Redis was killed: ${lines[0]}`)

    await startRedis({ stateDir, port, password })
    // Kafka's committed offset is no further than what the last saved version holds.
    const before = await lineageChain(f)
    assert.ok(before.length >= 1, 'at least one version survived the kill (AOF)')
    assert.ok(lines[0].includes(`resume from ${before.at(-1)!.ref},`), `the line names the last saved version, ${before.at(-1)!.ref}`)
    const [committed] = await committedOffsets(f)
    assert.ok(committed <= BigInt(before.at(-1)!.online.positions[0]), `committed ${committed} ≤ the last version's position ${before.at(-1)!.online.positions[0]}`)

    const rerun = await runOnlineCli(f, [...COMMON, '--json'])
    assert.is(rerun.code, 0, rerun.stderr.slice(-3000))
    assert.is(rerun.json.resumedFrom, before.at(-1)!.ref, 'resumed from the last saved version')
    await assertLineageTiles(f, ROWS)
  } finally {
    await stopFixtures().catch(() => {})
    await stopRedis({ stateDir, port, signal: 'SIGKILL' }).catch(() => false)
    rmSync(stateDir, { recursive: true, force: true })
  }
})

test.run()
