// retryBatches' bound on a Kafka outage: a transient client error (the broker away, a coordinator
// moving) is retried past maxRetries until outageMs has passed since the failures began, then
// ends the run with the one-line outage error; other errors stop after maxRetries as before,
// fencing at once; a success in between starts the count and the clock again.
import { MultipleErrors, NetworkError, UserError } from '@platformatic/kafka'
import { defer, lastValueFrom } from 'rxjs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { FencedError, UsageError, kafkaOutage } from '../../src/errors.js'
import { isTransientKafkaError } from '../../src/kafka/client-errors.js'
import { retryBatches } from '../../src/runtime/retry-batches.js'

const brokerAway = (): MultipleErrors => new MultipleErrors('initProducerId failed 41 times.', [new NetworkError('Connection closed')])

/** Runs an attempt that fails with `fail(n)` (undefined: succeeds) and counts the attempts. */
async function run (fail: (n: number) => Error | undefined, options: { maxRetries: number, outageMs?: number }): Promise<{ attempts: number, error?: unknown, ms: number }> {
  let attempts = 0
  const started = Date.now()
  const source = defer(async () => {
    const error = fail(++attempts)
    if (error !== undefined) throw error
    return attempts
  })
  try {
    await lastValueFrom(source.pipe(retryBatches({ ...options, outage: (s, last) => kafkaOutage({ brokers: ['b:9092'] }, s, last) })))
    return { attempts, ms: Date.now() - started }
  } catch (error) {
    return { attempts, error, ms: Date.now() - started }
  }
}

test('client errors the client itself retries are transient; user and authentication errors are not', () => {
  assert.ok(isTransientKafkaError(brokerAway()))
  assert.ok(isTransientKafkaError(new NetworkError('Connection refused')))
  assert.not.ok(isTransientKafkaError(new UserError('Unknown topic t.')))
  assert.not.ok(isTransientKafkaError(new MultipleErrors('x failed', [new NetworkError('a'), new UserError('b')])))
  assert.not.ok(isTransientKafkaError(new Error('not the client\'s')))
  // A fetch retried after a node was killed: the node has left the metadata. The client gives up
  // with a UserError; the node returns, or the partition's new leader serves the next fetch.
  assert.ok(isTransientKafkaError(new MultipleErrors('fetch failed 2 times.', [new NetworkError('Connection closed'), new UserError('Cannot find broker with node id 2')])))
  assert.not.ok(isTransientKafkaError(new MultipleErrors('fetch failed 2 times.', [new UserError('Cannot find broker with node id 2'), new UserError('Unknown topic t.')])))
})

test('a broker outage is retried past maxRetries until outageMs, then one line, exit 2', async () => {
  const r = await run(() => brokerAway(), { maxRetries: 2, outageMs: 1500 })
  assert.ok(r.attempts > 3, `retried past maxRetries (${r.attempts} attempts)`)
  assert.ok(r.ms >= 1500, `for the outage bound (${r.ms} ms)`)
  assert.instance(r.error, UsageError)
  assert.match((r.error as Error).message, /^Kafka at b:9092 kept failing for \d+ s \(last: initProducerId failed 41 times\.\)/)
  assert.not.match((r.error as Error).message, /\n/)
})

test('an outage that ends in time: the run goes on', async () => {
  const r = await run(n => n < 6 ? brokerAway() : undefined, { maxRetries: 2, outageMs: 60_000 })
  assert.is(r.error, undefined)
  assert.is(r.attempts, 6)
})

test('other failures stop after maxRetries; fencing at once', async () => {
  const other = await run(() => new Error('a bug'), { maxRetries: 2, outageMs: 60_000 })
  assert.is(other.attempts, 3)
  assert.is((other.error as Error).message, 'a bug')
  const fenced = await run(() => new FencedError('fenced'), { maxRetries: 5, outageMs: 60_000 })
  assert.is(fenced.attempts, 1)
  assert.instance(fenced.error, FencedError)
})

test.run()
