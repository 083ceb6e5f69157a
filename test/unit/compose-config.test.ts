// docker-compose.yml through the real `docker compose config` (Compose's own loader: YAML, the
// Compose schema, interpolation, profiles, depends_on targets), with no Docker engine needed.
// The binary comes from test/go/setup-compose.sh (built from the Go module proxy; CI runs it);
// the test fails without it rather than skipping, so CI cannot pass unvalidated.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { PACKAGE_ROOT } from '../../src/infra/paths.js'

const BIN = process.env.STREAMFIT_COMPOSE_BIN ?? join(PACKAGE_ROOT, '.tools', 'docker-compose')
const FILE = join(PACKAGE_ROOT, 'docker-compose.yml')

interface Rendered { services: Record<string, { depends_on?: Record<string, unknown>, environment?: Record<string, string>, profiles?: string[] }> }

function compose (...args: string[]): { stdout: string, stderr: string, status: number | null } {
  if (!existsSync(BIN)) throw new Error(`no docker compose at ${BIN}: build it with test/go/setup-compose.sh (STREAMFIT_COMPOSE_BIN chooses the place; CI runs it before the tests)`)
  // An empty environment apart from PATH: the file's defaults must stand on their own.
  const run = spawnSync(BIN, ['--project-directory', PACKAGE_ROOT, '-f', FILE, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })
  return { stdout: run.stdout, stderr: run.stderr, status: run.status }
}

function rendered (...profiles: string[]): Rendered {
  const run = compose(...profiles.flatMap(p => ['--profile', p]), 'config', '--format', 'json')
  assert.is(run.status, 0, run.stderr)
  // Compose warns on stderr (unset variables, obsolete keys) and still succeeds: treat as a defect.
  assert.is(run.stderr.trim(), '', `docker compose config warned: ${run.stderr}`)
  return JSON.parse(run.stdout) as Rendered
}

test('the binary is the pinned Compose release', () => {
  assert.match(execFileSync(BIN, ['version', '--short'], { encoding: 'utf8' }).trim(), /^v?5\.6\.0$/)
})

test('docker compose config accepts the file without a profile, with no warning', () => {
  const services = Object.keys(rendered().services).sort()
  assert.ok(services.includes('kafka') && services.includes('redis'), services.join(' '))
  assert.not.ok(services.includes('kafka-1'), 'the cluster nodes belong to the cluster profile only')
})

test('the cluster profile: three brokers, every dependency a service of the same run', () => {
  const { services } = rendered('cluster')
  for (const name of ['kafka-1', 'kafka-2', 'kafka-3']) assert.ok(services[name], `${name} missing`)
  for (const [name, service] of Object.entries(services)) {
    for (const dependency of Object.keys(service.depends_on ?? {})) assert.ok(services[dependency], `${name} depends on ${dependency}, not in the profile`)
  }
  const voters = new Set(['kafka-1', 'kafka-2', 'kafka-3'].map(n => services[n]!.environment?.KAFKA_CONTROLLER_QUORUM_VOTERS))
  assert.is(voters.size, 1, 'one voter list for the three nodes')
})

test('every profile at once renders, and a broken file is refused (the check can fail)', () => {
  assert.ok(Object.keys(rendered('*').services).length > 0)
  const broken = spawnSync(BIN, ['-f', '-', 'config', '-q'], { input: 'services:\n  kafka:\n    image: apache/kafka\n    ports: 9092\n', encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })
  assert.is.not(broken.status, 0, 'a ports value that is not a list must be refused')
})

test.run()
