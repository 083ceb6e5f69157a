// The three-node cluster: `up --brokers 3`'s node properties (one voter list, replication 3,
// min ISR 2, ports spaced for the controllers) and docker-compose.yml's "cluster" profile, which
// must carry the same settings, a shared valid cluster id and distinct host ports.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { clusterNodeProperties, clusterPorts } from '../../src/infra/kafka-cluster.js'
import { PACKAGE_ROOT } from '../../src/infra/paths.js'

interface Service { image?: string, profiles?: string[], environment?: Record<string, string | number>, ports?: string[], volumes?: string[] }
const compose = parse(readFileSync(join(PACKAGE_ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>, volumes?: Record<string, unknown> }

function properties (text: string): Map<string, string> {
  return new Map(text.split('\n').flatMap(line => { const m = /^([^#=\s][^=]*)=(.*)$/.exec(line); return m ? [[m[1]!, m[2]!] as [string, string]] : [] }))
}

/** KIP-975 naming, backwards: KAFKA_A_B -> a.b. */
function toProperty (env: string): string {
  return env.slice('KAFKA_'.length).toLowerCase().replace(/_/g, '.')
}

test('cluster ports leave each node\'s controller port (port + 1) free', () => {
  assert.equal(clusterPorts(9092, 3), [9092, 9094, 9096])
})

test('each node: its own id and listeners, one voter list, replication 3 and min ISR 2 everywhere', () => {
  const ports = [9092, 9094, 9096]
  const nodes = ports.map((_, index) => properties(clusterNodeProperties({ host: '127.0.0.1', ports, index, dataDir: `/d${index}` })))
  assert.equal(nodes.map(n => n.get('node.id')), ['1', '2', '3'])
  assert.equal(nodes.map(n => n.get('listeners')), ['PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093', 'PLAINTEXT://127.0.0.1:9094,CONTROLLER://127.0.0.1:9095', 'PLAINTEXT://127.0.0.1:9096,CONTROLLER://127.0.0.1:9097'])
  for (const n of nodes) {
    assert.is(n.get('controller.quorum.voters'), '1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097')
    for (const key of ['default.replication.factor', 'offsets.topic.replication.factor', 'transaction.state.log.replication.factor']) assert.is(n.get(key), '3', key)
    for (const key of ['min.insync.replicas', 'transaction.state.log.min.isr']) assert.is(n.get(key), '2', key)
    assert.is(n.get('unclean.leader.election.enable'), 'false')
  }
  const two = properties(clusterNodeProperties({ host: '127.0.0.1', ports: [1, 3], index: 0, dataDir: '/d' }))
  assert.is(two.get('default.replication.factor'), '2')
  assert.is(two.get('min.insync.replicas'), '1', 'two nodes: a single in-sync replica takes acks=all writes')
})

test('docker-compose.yml\'s cluster profile has the `up --brokers 3` settings, one valid cluster id, distinct host ports', () => {
  const names = ['kafka-1', 'kafka-2', 'kafka-3']
  const services = names.map(n => compose.services[n])
  assert.ok(services.every(s => s !== undefined), 'three cluster nodes')
  assert.ok(services.every(s => s!.profiles?.includes('cluster')), 'only started with --profile cluster')
  assert.is(compose.services.kafka!.image, services[0]!.image, 'the same Kafka image as the one-node broker')
  const fromUp = properties(clusterNodeProperties({ host: 'h', ports: [1, 3, 5], index: 0, dataDir: '/data' }))
  const network = new Set(['node.id', 'listeners', 'advertised.listeners', 'controller.quorum.voters', 'listener.security.protocol.map', 'log.dirs'])
  for (const [i, s] of services.entries()) {
    const env = s!.environment ?? {}
    const fromCompose = new Map(Object.entries(env).filter(([k]) => k.startsWith('KAFKA_') && k !== 'KAFKA_HEAP_OPTS').map(([k, v]) => [toProperty(k), String(v)]))
    for (const [key, value] of fromUp) if (!network.has(key)) assert.is(fromCompose.get(key), value, `${names[i]}: ${key}`)
    assert.is(String(env.KAFKA_NODE_ID), String(i + 1))
    assert.is(env.KAFKA_CONTROLLER_QUORUM_VOTERS, '1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093')
    assert.ok((s!.volumes ?? []).some(v => v === `${names[i]}-data:/var/lib/kafka/data`))
    assert.ok(`${names[i]}-data` in (compose.volumes ?? {}))
  }
  const ids = new Set(services.map(s => String(s!.environment?.CLUSTER_ID)))
  assert.is(ids.size, 1, 'one cluster id')
  const id = [...ids][0]!
  assert.is(Buffer.from(id, 'base64url').length, 16, 'a Kafka Uuid: 16 bytes in base64url')
  assert.is(Buffer.from(id, 'base64url').toString('base64url'), id, 'canonical base64url')
  const hostPorts = services.flatMap(s => s!.ports ?? []).map(p => p.split(':')[1])
  assert.is(new Set([...hostPorts, '9092']).size, 4, 'host ports differ from each other and from the one-node broker')
})

test.run()
