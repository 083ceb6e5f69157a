// What `up` needs from the machine and what it fetches, checked without starting anything: its
// --help names every download and where it goes, a missing JDK or Redis is one line naming the
// command to run, and `down --purge` removes what was fetched and nothing else.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../src/errors.js'
import { redisServerCommand } from '../../src/infra/redis-fetch.js'
import { CliFailure, runCli } from '../support/cli.js'
import { freePortPair } from '../support/wait.js'

const home = mkdtempSync(join(tmpdir(), 'streamfit-setup-'))
test.after(() => { rmSync(home, { recursive: true, force: true }) })

test('`up --help` lists what it may fetch, from where, into which directory, and how to remove it', async () => {
  const { stdout } = await runCli(['up', '--help'], { STREAMFIT_HOME: home })
  assert.match(stdout, /Apache Kafka broker jars\n +from Maven Central .*release archive/)
  assert.ok(stdout.includes(`into ${join(home, 'kafka_2.13-4.1.1')}`), stdout)
  assert.match(stdout, /redis-server, only when none is on the PATH\n +from Debian\/Ubuntu packages \(apt-get download/)
  assert.ok(stdout.includes(`into ${join(home, 'redis-debian')}`), stdout)
  assert.match(stdout, /append-only file/)
  assert.match(stdout, /Java 17\+/)
  assert.match(stdout, /streamfit down --purge/)
})

test('no JDK: `up` stops with one line naming what to install, before fetching anything', async () => {
  const port = await freePortPair()
  const noJava = join(home, 'no-java-here')
  try {
    // A remote Redis address that does not answer: `up` starts nothing for it, so nothing starts at all.
    await runCli(['up'], { STREAMFIT_HOME: home, JAVA_HOME: noJava, KAFKA_BROKERS: `127.0.0.1:${port}`, REDIS_URL: 'redis://192.0.2.1:6379' }, { timeoutMs: 60_000 })
    assert.unreachable('up started a broker without Java')
  } catch (error) {
    if (!(error instanceof CliFailure)) throw error
    assert.is(error.exit.code, 2)
    const lines = error.exit.stderr.trim().split('\n')
    assert.is(lines.length, 1, error.exit.stderr)
    assert.match(lines[0], /^streamfit: no Java found \(.*no-java-here\/bin\/java\): the Kafka broker needs Java 17\+: install it \(Debian\/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`; macOS: `brew install openjdk@17`\)/)
  }
  assert.not.ok(existsSync(join(home, 'kafka_2.13-4.1.1')), 'no jars fetched')
})

test('no redis-server on the PATH and no apt-get: one line naming the commands to run', async () => {
  const path = process.env.PATH
  const named = process.env.STREAMFIT_REDIS_SERVER
  process.env.PATH = join(home, 'empty-bin')
  delete process.env.STREAMFIT_REDIS_SERVER
  try {
    await redisServerCommand(home).then(() => assert.unreachable('found a redis-server'), (e: Error) => {
      assert.instance(e, UsageError)
      assert.not.match(e.message, /\n/)
      assert.match(e.message, /^no redis-server found on the PATH: install Redis \(Debian\/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`\), or run it with Docker \(`docker compose up -d redis`\)/)
    })
  } finally {
    process.env.PATH = path
    if (named !== undefined) process.env.STREAMFIT_REDIS_SERVER = named
  }
})

test('`down --purge` removes the fetched jars and Redis packages, and keeps data and logs', async () => {
  const purgeHome = join(home, 'purge')
  for (const dir of ['kafka_2.13-4.1.1/libs', 'redis-debian/root/usr/bin', 'kafka-19999/data']) mkdirSync(join(purgeHome, dir), { recursive: true })
  writeFileSync(join(purgeHome, 'redis-debian', 'fetched.json'), '{"packages":["redis-server 5:7.0.15"]}\n')
  const port = await freePortPair()
  const { stdout } = await runCli(['down', '--purge'], { STREAMFIT_HOME: purgeHome, KAFKA_BROKERS: `127.0.0.1:${port}`, REDIS_URL: `redis://127.0.0.1:${port + 1}` })
  assert.ok(stdout.includes(`removed ${join(purgeHome, 'kafka_2.13-4.1.1')}\n`), stdout)
  assert.ok(stdout.includes(`removed ${join(purgeHome, 'redis-debian')}\n`), stdout)
  assert.not.ok(existsSync(join(purgeHome, 'kafka_2.13-4.1.1')))
  assert.not.ok(existsSync(join(purgeHome, 'redis-debian')))
  assert.ok(existsSync(join(purgeHome, 'kafka-19999', 'data')), 'a broker\'s data is not a download')
  const again = await runCli(['down', '--purge'], { STREAMFIT_HOME: purgeHome, KAFKA_BROKERS: `127.0.0.1:${port}`, REDIS_URL: `redis://127.0.0.1:${port + 1}` })
  assert.match(again.stdout, /nothing fetched to remove/)
})

test.run()
