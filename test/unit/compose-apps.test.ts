// The stream apps of docker-compose.yml, checked without a Docker engine: every service runs a
// real CLI command with flags that command has; the addresses point at the compose Kafka and
// Redis; scorer replicas can coexist (no shared transactional id, no host port); metrics ports,
// health checks and the Dockerfile agree.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config.js'
import { runCli } from '../support/cli.js'
import { PACKAGE_ROOT as ROOT } from '../support/paths.js'

interface Service {
  build?: string | { context: string }
  image?: string
  init?: boolean
  command?: string[]
  environment?: Record<string, string | number>
  depends_on?: Record<string, { condition: string }>
  deploy?: { replicas?: number }
  restart?: string
  profiles?: string[]
  ports?: string[]
  stop_grace_period?: string
  healthcheck?: { test: string[] }
}

const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')
const compose = parse(text) as { services: Record<string, Service> }
const apps = Object.entries(compose.services).filter(([, s]) => s.build !== undefined)
const byName = (name: string): Service => {
  const s = compose.services[name]
  assert.ok(s, `service ${name} missing`)
  return s!
}

/** Long flags a CLI command accepts, from its --help. */
const flagsCache = new Map<string, Set<string>>()
async function flagsOf (command: string): Promise<Set<string>> {
  let flags = flagsCache.get(command)
  if (flags === undefined) {
    const help = (await runCli([command, '--help'])).stdout
    flags = new Set([...help.matchAll(/(--[a-z][a-z0-9-]*)/g)].map(m => m[1]!))
    flagsCache.set(command, flags)
  }
  return flags
}

test('the app services: trainer, scorer (replicas), online, and a cli for one-off commands', () => {
  assert.equal(apps.map(([name]) => name).sort(), ['cli', 'online', 'scorer', 'trainer'])
  for (const [name, s] of apps) {
    assert.is(typeof s.build === 'string' ? s.build : s.build?.context, '.', `${name} builds the repository's Dockerfile`)
    assert.is(s.image, 'streamfit:local', `${name}: one image for all apps`)
    assert.is(s.init, true, `${name}: an init process forwards signals and reaps children`)
  }
  assert.ok((byName('scorer').deploy?.replicas ?? 1) >= 2, 'several scorers')
  assert.equal(byName('cli').profiles, ['tools'], 'the cli is not started by `docker compose up`')
})

test('every service runs a real streamfit command with flags it has, and valid values', async () => {
  const expected: Record<string, string> = { trainer: 'train', scorer: 'score', online: 'online' }
  for (const [name, command] of Object.entries(expected)) {
    const argv = byName(name).command ?? []
    assert.is(argv[0], command, `${name} runs streamfit ${command}`)
    const flags = await flagsOf(command)
    for (const arg of argv.slice(1).filter(a => a.startsWith('--'))) {
      assert.ok(flags.has(arg), `${name}: streamfit ${command} has no ${arg} flag`)
    }
  }
  for (const name of ['scorer', 'online']) {
    const argv = byName(name).command!
    assert.is(argv[argv.indexOf('--stream-timeout') + 1], '-1', `${name} runs forever`)
  }
})

test('scorer replicas can run side by side: one group, no fixed transactional id, no host port', () => {
  const scorer = byName('scorer')
  const argv = scorer.command!
  assert.ok(argv.includes('--group'), 'replicas share a named group')
  assert.not.ok(argv.includes('--transactional-id'), 'a fixed transactional id would make replicas fence each other')
  assert.not.ok(argv.join(' ').includes('STREAMFIT_TRANSACTIONAL_ID'))
  assert.is(scorer.ports, undefined, 'replicas cannot share a host port')
  assert.is(scorer.restart, 'unless-stopped')
  assert.is(scorer.depends_on?.trainer?.condition, 'service_completed_successfully', 'scorers start once a model exists')
})

test('apps reach the compose Kafka and Redis, and their environment is a valid streamfit config', () => {
  const kafka = byName('kafka').environment!
  const internal = String(kafka.KAFKA_ADVERTISED_LISTENERS).split(',')
    .find(l => l.startsWith(`${kafka.KAFKA_INTER_BROKER_LISTENER_NAME}://`))!.split('://')[1]
  const redisPort = '6379'
  for (const [name, s] of apps) {
    const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]))
    assert.is(env.KAFKA_BROKERS, internal, `${name}: KAFKA_BROKERS is the broker's in-network listener`)
    assert.is(env.REDIS_URL, `redis://redis:${redisPort}`, `${name}: REDIS_URL is the redis service`)
    const config = loadConfig(env)
    assert.equal(config.kafka.brokers, [internal])
    assert.is(s.depends_on?.kafka?.condition, 'service_healthy', `${name} waits for a healthy broker`)
    assert.is(s.depends_on?.redis?.condition, 'service_healthy', `${name} waits for Redis`)
    assert.not.ok('KAFKA_SASL_PASSWORD' in env, `${name}: passwords belong in secrets or an env file, not in the compose file`)
  }
  assert.not.match(text, /PASSWORD:\s*\S/, 'no password value written in docker-compose.yml')
})

test('metrics: long-running apps serve /metrics and /health on the port the Dockerfile exposes, and are health-checked on it', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  const exposed = /^EXPOSE\s+(\d+)/m.exec(dockerfile)?.[1]
  assert.ok(exposed)
  for (const name of ['trainer', 'scorer', 'online']) {
    const argv = byName(name).command!
    assert.is(argv[argv.indexOf('--metrics-port') + 1], exposed, `${name} --metrics-port`)
  }
  for (const name of ['scorer', 'online']) {
    const s = byName(name)
    assert.ok(s.healthcheck?.test.join(' ').includes(`127.0.0.1:${exposed}/health`), `${name} health check hits /health`)
    assert.match(s.stop_grace_period ?? '', /^\d+s$/, `${name} has time to finish its batch on stop`)
  }
})

test.run()
