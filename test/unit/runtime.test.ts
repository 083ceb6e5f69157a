import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { metrics, serveMetrics } from '../../src/runtime/metrics.js'

test('metrics server exposes streamfit_ metrics and a health endpoint', async () => {
  metrics.recordsIn.inc({ app: 'score', topic: 'susy-test' }, 3)
  let healthy = true
  const server = await serveMetrics(0, () => healthy, '127.0.0.1')
  try {
    const body = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text()
    assert.match(body, /streamfit_records_in_total\{app="score",topic="susy-test"\} 3/)
    assert.match(body, /streamfit_transactions_total/)
    assert.is((await fetch(`http://127.0.0.1:${server.port}/health`)).status, 200)
    healthy = false
    assert.is((await fetch(`http://127.0.0.1:${server.port}/health`)).status, 503)
  } finally {
    await server.close()
  }
})

test.run()
