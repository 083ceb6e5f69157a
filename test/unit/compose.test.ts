// docker-compose.yml, checked without a Docker engine: it parses, and its broker has the settings
// `streamfit up` gives the broker it starts (the same Kafka release, the same transaction setup).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { kafkaServerProperties } from '../../src/infra/kafka-broker.js'
import { KAFKA_VERSION, PACKAGE_ROOT } from '../../src/infra/paths.js'

interface Service { image?: string, environment?: Record<string, string | number>, command?: string[], ports?: string[], volumes?: string[] }
const compose = parse(readFileSync(join(PACKAGE_ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>, volumes?: Record<string, unknown> }

/** KIP-975 naming, backwards: KAFKA_A_B -> a.b, __ -> _, ___ -> -. */
function toProperty (env: string): string {
  return env.slice('KAFKA_'.length).toLowerCase().replace(/___/g, '\u0001').replace(/__/g, '\u0002').replace(/_/g, '.').replace(/\u0001/g, '-').replace(/\u0002/g, '_')
}

function properties (text: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^([^#=\s][^=]*)=(.*)$/.exec(line)
    if (m) map.set(m[1], m[2])
  }
  return map
}

test('the broker image is the Kafka release the pom and `up` use', () => {
  assert.is(compose.services.kafka.image, `apache/kafka:${KAFKA_VERSION}`)
  const pom = readFileSync(join(PACKAGE_ROOT, 'infra', 'pom.xml'), 'utf8')
  assert.match(pom, new RegExp(`<kafka.version>${KAFKA_VERSION.replace(/\./g, '\\.')}</kafka.version>`))
})

test('every non-network setting of the `up` broker is in the compose broker, with the same value', () => {
  const env = compose.services.kafka.environment ?? {}
  const fromCompose = new Map(Object.entries(env).filter(([k]) => k.startsWith('KAFKA_') && k !== 'KAFKA_HEAP_OPTS').map(([k, v]) => [toProperty(k), String(v)]))
  const fromUp = properties(kafkaServerProperties({ host: '127.0.0.1', port: 9092, controllerPort: 9093, dataDir: '/data' }))
  const network = new Set(['listeners', 'advertised.listeners', 'controller.quorum.voters', 'listener.security.protocol.map', 'log.dirs'])
  const compared: string[] = []
  for (const [key, value] of fromUp) {
    if (network.has(key)) continue
    assert.is(fromCompose.get(key), value, key)
    compared.push(key)
  }
  for (const key of ['transaction.state.log.replication.factor', 'transaction.state.log.min.isr', 'offsets.topic.replication.factor', 'group.initial.rebalance.delay.ms']) {
    assert.ok(compared.includes(key), `${key} is compared`)
  }
  assert.is(fromCompose.get('transaction.state.log.min.isr'), '1')
  assert.match(fromCompose.get('advertised.listeners') ?? '', /localhost:9092/, 'the host reaches it at the default address')
})

test('Redis persists every write (AOF, fsync always) on a volume, on the default port', () => {
  const redis = compose.services.redis
  assert.match(redis.image ?? '', /^redis:/)
  assert.equal(redis.command, ['redis-server', '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''])
  assert.ok((redis.volumes ?? []).some(v => v === 'redis-data:/data'), 'the redis image keeps its files in /data: a named volume')
  assert.ok('redis-data' in (compose.volumes ?? {}), 'the volume is declared')
  assert.ok((redis.ports ?? []).some(p => p.endsWith(':6379:6379')))
  assert.ok((compose.services.kafka.ports ?? []).some(p => p.endsWith(':9092:9092')))
})

test.run()
