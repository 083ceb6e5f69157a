// Prometheus metrics for every app (prom-client), all prefixed `streamfit_`, in one registry.
// Topologies update these; `serveMetrics` exposes /metrics and /health on --metrics-port (and the
// dashboard, src/dashboard/, reads the same registry).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { UsageError } from '../errors.js'

/**
 * The Prometheus registry every streamfit metric is registered in (and Node's default process metrics,
 * prefixed streamfit_); served at /metrics.
 */
export const registry = new Registry()
// Default process and Node.js metrics as streamfit_process_cpu_seconds_total, streamfit_nodejs_heap_size_used_bytes, ...
collectDefaultMetrics({ register: registry, prefix: 'streamfit_' })

const app = ['app'] as const

/**
 * streamfit's Prometheus metrics, one field per metric; the apps label them with `app` (train, score,
 * online).
 */
export const metrics = {
  recordsIn: new Counter({ name: 'streamfit_records_in_total', help: 'Records read from Kafka', labelNames: [...app, 'topic'], registers: [registry] }),
  recordsOut: new Counter({ name: 'streamfit_records_out_total', help: 'Records written to Kafka', labelNames: [...app, 'topic'], registers: [registry] }),
  deadLettered: new Counter({ name: 'streamfit_dead_lettered_total', help: 'Records sent to the dead-letter topic', labelNames: [...app, 'reason'], registers: [registry] }),
  batchSeconds: new Histogram({
    name: 'streamfit_batch_duration_seconds',
    help: 'Time to process one batch, read to commit',
    labelNames: [...app],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry]
  }),
  transactions: new Counter({ name: 'streamfit_transactions_total', help: 'Kafka transactions by outcome', labelNames: [...app, 'outcome'], registers: [registry] }),
  lag: new Gauge({ name: 'streamfit_consumer_lag', help: 'Records behind the end of the partition', labelNames: [...app, 'topic', 'partition'], registers: [registry] }),
  modelVersion: new Gauge({ name: 'streamfit_model_version', help: 'Model version in use', labelNames: [...app, 'model'], registers: [registry] }),
  trainingLoss: new Gauge({ name: 'streamfit_training_loss', help: 'Last training loss', labelNames: [...app], registers: [registry] }),
  trainingAccuracy: new Gauge({ name: 'streamfit_training_accuracy', help: 'Last training (or prequential) accuracy', labelNames: [...app], registers: [registry] }),
  prequentialLoss: new Gauge({ name: 'streamfit_prequential_loss', help: 'Online learning: running test-then-train log loss', labelNames: [...app], registers: [registry] }),
  driftDetections: new Counter({ name: 'streamfit_drift_detections_total', help: 'Online learning: drifts the detector found in the prequential loss', labelNames: [...app], registers: [registry] }),
  trainingEpoch: new Gauge({ name: 'streamfit_training_epoch', help: 'Epochs done, fractional within the running epoch', labelNames: [...app], registers: [registry] }),
  epochLoss: new Gauge({ name: 'streamfit_epoch_loss', help: 'Running loss of the epoch in progress (train)', labelNames: [...app], registers: [registry] }),
  epochAccuracy: new Gauge({ name: 'streamfit_epoch_accuracy', help: 'Running accuracy of the epoch in progress (train)', labelNames: [...app], registers: [registry] }),
  validationFigure: new Gauge({
    name: 'streamfit_validation_figure',
    help: 'The task\'s held-out figures: train after each epoch (validation rows), online as it goes (prequential); figure = accuracy, auc, loss (binary), accuracy, macroF1, loss (multiclass), rmse, mae, r2 (regression)',
    labelNames: [...app, 'figure'],
    registers: [registry]
  }),
  trainingEpochs: new Gauge({ name: 'streamfit_training_epochs', help: 'Epochs the training run will do', labelNames: [...app], registers: [registry] }),
  partitionReplicas: new Gauge({ name: 'streamfit_partition_replicas', help: 'Replicas assigned to a partition the app reads or writes', labelNames: [...app, 'topic', 'partition'], registers: [registry] }),
  partitionInSync: new Gauge({ name: 'streamfit_partition_in_sync_replicas', help: 'In-sync replicas of a partition the app reads or writes', labelNames: [...app, 'topic', 'partition'], registers: [registry] }),
  partitionLeader: new Gauge({ name: 'streamfit_partition_leader', help: 'Node id leading a partition the app reads or writes (-1: none)', labelNames: [...app, 'topic', 'partition'], registers: [registry] }),
  committedOffset: new Gauge({ name: 'streamfit_committed_offset', help: 'Next offset the group will read (its committed offset)', labelNames: [...app, 'topic', 'partition'], registers: [registry] }),
  backend: new Gauge({ name: 'streamfit_backend_info', help: 'TensorFlow.js backend a model runs on (1 per backend in use)', labelNames: ['backend'], registers: [registry] })
}

/** A running /metrics and /health server; close it when the app ends. */
export interface MetricsServer {
  readonly port: number
  /** Stops the server. */
  close (): Promise<void>
}

/** Answers a request the metrics server does not know; returns false to let it answer 404. */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse) => boolean

/** Serves /metrics (Prometheus text format), /health (200 while `healthy()` holds) and `extra`'s routes. */
export async function serveMetrics (port: number, healthy: () => boolean = () => true, host = '127.0.0.1', extra?: ExtraRoutes): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then(body => {
        res.writeHead(200, { 'content-type': registry.contentType }).end(body)
      }, (error: Error) => res.writeHead(500).end(error.message))
    } else if (req.url === '/health') {
      const ok = healthy()
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'unhealthy' }))
    } else if (extra?.(req, res) !== true) {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' || error.code === 'EADDRNOTAVAIL' || error.code === 'EACCES'
        ? new UsageError(`metrics server cannot listen on ${host}:${port} (${error.code}): choose another --metrics-port or --metrics-host`)
        : error)
    })
    server.listen(port, host, resolve)
  })
  // Metrics must never keep a finished app alive.
  server.unref()
  const address = server.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () => new Promise(resolve => server.close(() => resolve()))
  }
}
