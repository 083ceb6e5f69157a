// The launcher's parts that need no running service: pid files that never name a stranger, and
// the Kafka jar fetch with its release-archive fallback (served from a file and a local server).
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { rejects } from 'node:assert/strict'
import { createServer as createHttpServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../src/errors.js'
import { stopKafka } from '../../src/infra/kafka-broker.js'
import { ensureKafkaJars, kafkaJarsPresent } from '../../src/infra/kafka-jars.js'
import { kafkaPaths } from '../../src/infra/paths.js'
import { isOurProcess, writePid } from '../../src/infra/pidfile.js'

const state = mkdtempSync(join(tmpdir(), 'streamfit-launcher-'))
test.after(() => { rmSync(state, { recursive: true, force: true }) })

test('a pid file naming some other process never gets that process killed', async () => {
  const bystander = spawn('sleep', ['30'], { stdio: 'ignore' })
  try {
    const paths = kafkaPaths(state, 1)
    mkdirSync(paths.dir, { recursive: true })
    writePid(paths.pid, bystander.pid ?? 0)
    assert.not.ok(await stopKafka({ stateDir: state, port: 1 }))
    assert.ok(isOurProcess(bystander.pid ?? 0, 'sleep'), 'still alive')
  } finally {
    bystander.kill()
  }
})

// The release-archive fallback, served from a local file and a local HTTP server.
function fakeRelease (dir: string): string {
  const root = join(dir, 'kafka_2.13-4.1.1')
  mkdirSync(join(root, 'libs'), { recursive: true })
  mkdirSync(join(root, 'bin'), { recursive: true })
  writeFileSync(join(root, 'libs', 'kafka_2.13-4.1.1.jar'), 'not really a jar')
  writeFileSync(join(root, 'libs', 'kafka-clients-4.1.1.jar'), 'not really a jar either')
  writeFileSync(join(root, 'bin', 'kafka-server-start.sh'), '#!/bin/sh\n')
  const tgz = join(dir, 'kafka_2.13-4.1.1.tgz')
  const tar = spawnSync('tar', ['-czf', tgz, '-C', dir, 'kafka_2.13-4.1.1'])
  assert.is(tar.status, 0)
  return tgz
}

test('without Maven, the jars come from the release archive (file:// and http://), once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-archive-'))
  let server: Server | undefined
  try {
    const tgz = fakeRelease(dir)
    const fromFile = join(dir, 'state-file')
    const libs = await ensureKafkaJars(fromFile, { mvn: false, archiveUrl: pathToFileURL(tgz).href })
    assert.equal(readdirSync(libs).sort(), ['kafka-clients-4.1.1.jar', 'kafka_2.13-4.1.1.jar'])
    let requests = 0
    server = createHttpServer((req, res) => { requests++; spawn('cat', [tgz]).stdout.pipe(res) })
    await new Promise<void>(resolve => server?.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/kafka_2.13-4.1.1.tgz`
    const fromHttp = join(dir, 'state-http')
    await ensureKafkaJars(fromHttp, { mvn: 'no-such-mvn-here', archiveUrl: url })
    assert.ok(kafkaJarsPresent(fromHttp))
    await ensureKafkaJars(fromHttp, { mvn: 'no-such-mvn-here', archiveUrl: url })
    assert.is(requests, 1, 'fetched once, then cached')
  } finally {
    server?.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('neither Maven nor the archive: a clear error naming docker compose, nothing half-installed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-nojars-'))
  try {
    const notATgz = join(dir, 'bad.tgz')
    writeFileSync(notATgz, 'plain text')
    await rejects(() => ensureKafkaJars(dir, { mvn: 'no-such-mvn-here', archiveUrl: 'http://127.0.0.1:1/kafka.tgz' }),
      (e: Error) => e instanceof UsageError && /Maven \(no-such-mvn-here\): not installed/.test(e.message) && /cannot reach http:\/\/127\.0\.0\.1:1/.test(e.message) && /docker compose up -d/.test(e.message))
    await rejects(() => ensureKafkaJars(dir, { mvn: false, archiveUrl: pathToFileURL(notATgz).href }), (e: Error) => e instanceof UsageError && /not a \.tgz/.test(e.message))
    assert.not.ok(kafkaJarsPresent(dir))
    assert.equal(readdirSync(dir).filter(f => f !== 'bad.tgz'), [], 'no partial directory left')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
