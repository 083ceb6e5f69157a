// How `describe` and the dashboard word a topic's replication (src/kafka/replication.ts,
// src/kafka/replication-report.ts): partitions folded per topic, the worst in-sync count shown,
// the partitions at risk named, and warnings like `lag`'s.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { formatReplicationReport, reportOf } from '../../src/kafka/replication-report.js'
import { formatTopicReplication, summarizeReplication, type PartitionReplication } from '../../src/kafka/replication.js'

const row = (topic: string, partition: number, replicas: number, inSync: number, leader = 1): PartitionReplication => ({ topic, partition, replicas, inSync, leader })

test('partitions fold into one line per topic: the worst in-sync count, the partitions under-replicated or leaderless', () => {
  const topics = summarizeReplication([row('in', 0, 3, 3), row('in', 1, 3, 3), row('out', 0, 3, 2), row('out', 1, 3, 3), row('out', 2, 3, 2), row('dlq', 0, 3, 0, -1)])
  assert.equal(topics, [
    { topic: 'in', partitions: 2, replicas: 3, inSync: 3, underReplicated: [], leaderless: [] },
    { topic: 'out', partitions: 3, replicas: 3, inSync: 2, underReplicated: [0, 2], leaderless: [] },
    { topic: 'dlq', partitions: 1, replicas: 3, inSync: 0, underReplicated: [], leaderless: [0] }
  ])
  assert.equal(topics.map(formatTopicReplication), [
    '2 partitions, 3 replicas, 3 in sync',
    '3 partitions, 3 replicas, 2 in sync (under-replicated: partitions 0, 2)',
    '1 partition, 3 replicas, 0 in sync (no leader: partition 0)'
  ])
})

test('describe\'s section: a healthy one-broker topic, a topic not created yet, warnings only for the ones at risk', () => {
  const healthy = reportOf([row('susy-test', 0, 1, 1)], ['susy-test', 'susy-predictions'])
  assert.is(formatReplicationReport(healthy), '  Replication:\n    susy-test: 1 partition, 1 replica, 1 in sync\n    susy-predictions: not created yet\n')
  assert.equal('warnings' in healthy && healthy.warnings, [])
  const degraded = reportOf([row('p', 0, 3, 2), row('p', 1, 3, 3)], ['p'])
  assert.is(formatReplicationReport(degraded), '  Replication:\n    p: 2 partitions, 3 replicas, 2 in sync (under-replicated: partition 0)\n')
  assert.equal('warnings' in degraded && degraded.warnings, ['warning: p partition 0 is under-replicated: 2 of 3 replicas in sync'])
})

test('an unreachable cluster is reported in the section, not fatal', () => {
  assert.is(formatReplicationReport({ error: 'Kafka at 127.0.0.1:1 unreachable: connect ECONNREFUSED' }), '  Replication: unknown (Kafka at 127.0.0.1:1 unreachable: connect ECONNREFUSED)\n')
})

test.run()
