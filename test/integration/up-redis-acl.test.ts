// `streamfit up` with a REDIS_URL that carries a user and a password: the Redis it starts has
// that ACL user (so the URL works for every command), and the password is printed nowhere.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Redis } from 'ioredis'
import { freePort } from '../support/wait.js'
import { runCli } from '../support/cli.js'

async function ping (auth: { username?: string, password?: string }): Promise<string> {
  const redis = new Redis({ host: '127.0.0.1', port: portInUse, ...auth, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  // ioredis reports the server's refusal (WRONGPASS, NOAUTH) as an error event, then rejects
  // with "Connection is closed".
  let refusal = ''
  redis.on('error', (error: Error) => { refusal ||= error.message })
  try {
    await redis.connect()
    return await redis.ping()
  } catch (error) {
    return refusal || (error as Error).message
  } finally {
    redis.disconnect()
  }
}

let portInUse = 0

test('up with redis://user:password@… starts a Redis where that user works, and never prints the password', async () => {
  const home = mkdtempSync(join(tmpdir(), 'streamfit-acl-'))
  const port = await freePort()
  portInUse = port
  const password = 'Sup3r-s3cret'
  const env = { STREAMFIT_HOME: home, REDIS_URL: `redis://alice:${password}@127.0.0.1:${port}` }
  try {
    const up = await runCli(['up'], env, { timeoutMs: 180_000 })
    assert.not.ok(up.stdout.includes(password) || up.stderr.includes(password), `no password in up's output:\n${up.stdout}${up.stderr}`)
    assert.match(up.stdout, new RegExp(`redis\\s+redis://127\\.0\\.0\\.1:${port}\\s+started`))

    // The URL as given works for a command, and the user is a real ACL user.
    const models = await runCli(['models', '--json'], env)
    assert.is(models.stdout, '')
    assert.not.ok(models.stderr.includes(password))
    assert.is(await ping({ username: 'alice', password }), 'PONG')
    assert.match(await ping({ username: 'alice', password: 'wrong' }), /WRONGPASS/)
    assert.match(await ping({}), /NOAUTH/)
  } finally {
    await runCli(['down'], env).catch(() => {})
    rmSync(home, { recursive: true, force: true })
  }
})

test.run()
