// The facts behind the dashboard and /api/status, read once a second from the prom-client
// registry (the numbers /metrics serves; no second bookkeeping), plus the short histories a
// registry does not keep: records/s per topic, the learning curves, the model versions seen.
import type { MetricObjectWithValues, MetricValue } from 'prom-client'
import type { TopologyDescription } from '../runtime/describe.js'
import { registry } from '../runtime/metrics.js'
import { histogramQuantile, type Buckets } from './quantile.js'
import { replicationFromGauges } from './replication-status.js'
import type { Point, Status, TaskFigure, ThroughputStage } from './status-types.js'

export type { Point, Status, TaskFigure, ThroughputStage } from './status-types.js'

export interface StatusOptions {
  /** The app label the topology's metrics carry: train, score or online. */
  app: string
  topology?: TopologyDescription
  config?: Record<string, unknown>
  /** Sampling period; default 1000 ms. */
  intervalMs?: number
  /** How much history the series keep; default 10 minutes. */
  historyMs?: number
}

const RATE_WINDOW_MS = 5_000
const LATENCY_WINDOW_MS = 60_000
const MAX_CURVE_POINTS = 2_000
const FIGURE_ORDER = ['accuracy', 'auc', 'macroF1', 'loss', 'rmse', 'mae', 'r2'] // as shown: classifiers', then regression's

interface Sample { t: number, totals: Map<string, number>, buckets: Buckets }

export class StatusSampler {
  readonly #o: Required<Omit<StatusOptions, 'topology' | 'config'>> & StatusOptions
  readonly #started = Date.now()
  readonly #samples: Sample[] = []
  readonly #rates = new Map<string, Point[]>()
  readonly #curves = { accuracy: [] as Point[], loss: [] as Point[], drifts: [] as Point[] }
  readonly #figures = new Map<string, Point[]>()
  readonly #versions: Array<{ version: string, at: string }> = []
  #timer: NodeJS.Timeout | undefined
  #latest: Promise<Status> | undefined

  constructor (options: StatusOptions) {
    this.#o = { intervalMs: 1000, historyMs: 600_000, ...options }
    this.#latest = this.#tick()
    this.#timer = setInterval(() => { this.#latest = this.#tick() }, this.#o.intervalMs).unref()
  }

  /** The latest sample's status (at most intervalMs old). */
  status (): Promise<Status> {
    return this.#latest ?? this.#tick()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  async #tick (): Promise<Status> {
    const now = Date.now()
    const read = metricReader(await registry.getMetricsAsJSON(), this.#o.app)
    const version = modelVersion(read.mine('streamfit_model_version'))
    if (version !== null && this.#versions.at(-1)?.version !== version) this.#versions.push({ version, at: new Date(now).toISOString() })
    const current = this.#versions.at(-1)
    return {
      app: this.#o.app,
      time: new Date(now).toISOString(),
      startedAt: new Date(this.#started).toISOString(),
      uptimeSeconds: round((now - this.#started) / 1000, 1),
      topology: this.#o.topology ?? null,
      config: this.#o.config ?? null,
      ...this.#sampleRates(now, read),
      lag: lagOf(read),
      replication: replicationFromGauges(read.mine),
      transactions: {
        committed: read.sum('streamfit_transactions_total', 'outcome', 'committed'),
        aborted: read.sum('streamfit_transactions_total', 'outcome', 'aborted')
      },
      deadLetters: read.mine('streamfit_dead_lettered_total').map(v => ({ reason: String(v.labels.reason), count: v.value })),
      model: current ? { version: current.version, since: current.at } : null,
      versions: [...this.#versions],
      learning: this.#learning(now, read),
      process: processOf(read)
    }
  }

  /** Throughput and batch latency: cumulative counters and histograms sampled, turned into rates over a window. */
  #sampleRates (now: number, read: MetricReader): Pick<Status, 'throughput' | 'batchLatency'> {
    const totals = new Map<string, number>()
    for (const [direction, name] of [['in', 'streamfit_records_in_total'], ['out', 'streamfit_records_out_total']] as const) {
      for (const v of read.mine(name)) {
        const key = `${direction}\t${String(v.labels.topic)}`
        totals.set(key, (totals.get(key) ?? 0) + v.value)
      }
    }
    const buckets = histogramBuckets(read.metrics.get('streamfit_batch_duration_seconds'), this.#o.app)
    this.#samples.push({ t: now, totals, buckets })
    while (this.#samples.length > 2 && this.#samples[1].t <= now - Math.max(LATENCY_WINDOW_MS, RATE_WINDOW_MS)) this.#samples.shift()
    const throughput = this.#throughput(now, totals)
    // Batch latency over the last minute: the difference of two cumulative histograms.
    const latencyFrom = this.#sampleAtOrBefore(now - LATENCY_WINDOW_MS)
    const window = subtractBuckets(buckets, latencyFrom === this.#samples[this.#samples.length - 1] ? [] : latencyFrom.buckets)
    return {
      throughput,
      batchLatency: {
        batches: window.at(-1)?.count ?? 0,
        p50: histogramQuantile(0.5, window),
        p99: histogramQuantile(0.99, window),
        windowSeconds: round(Math.min(LATENCY_WINDOW_MS, now - this.#started) / 1000, 0)
      }
    }
  }

  /** online: prequential figures; train: the running figures of the epoch in progress. */
  #learning (now: number, read: MetricReader): Status['learning'] {
    const accuracy = read.gauge('streamfit_epoch_accuracy') ?? read.gauge('streamfit_training_accuracy')
    const loss = read.gauge('streamfit_epoch_loss') ?? read.gauge(this.#o.app === 'online' ? 'streamfit_prequential_loss' : 'streamfit_training_loss')
    addOnChange(this.#curves.accuracy, now, accuracy)
    addOnChange(this.#curves.loss, now, loss)
    const drifts = read.gauge('streamfit_drift_detections_total')
    if (drifts !== null && drifts > (this.#curves.drifts.at(-1)?.[1] ?? 0)) this.#curves.drifts.push([now, drifts])
    const epochs = read.gauge('streamfit_training_epochs')
    const figures = this.#taskFigures(now, read)
    // Only apps that learn set these gauges; a scorer's status has no learning part.
    return this.#curves.accuracy.length === 0 && this.#curves.loss.length === 0 && epochs === null && figures.length === 0
      ? null
      : { accuracy: this.#curves.accuracy.slice(), loss: this.#curves.loss.slice(), drifts: this.#curves.drifts.slice(), epoch: read.gauge('streamfit_training_epoch'), epochs, figures }
  }

  /** streamfit_validation_figure's values for this app, each with its history (a point per change). */
  #taskFigures (now: number, read: MetricReader): TaskFigure[] {
    for (const v of read.mine('streamfit_validation_figure')) {
      const figure = String(v.labels.figure)
      const series = this.#figures.get(figure) ?? []
      if (Number.isFinite(v.value)) addOnChange(series, now, v.value)
      this.#figures.set(figure, series)
    }
    const rank = (f: string): number => FIGURE_ORDER.includes(f) ? FIGURE_ORDER.indexOf(f) : FIGURE_ORDER.length
    return [...this.#figures].filter(([, series]) => series.length > 0)
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([figure, series]) => ({ figure, value: series.at(-1)![1], series: series.slice() }))
  }

  /** Records/s per direction and topic over RATE_WINDOW_MS, appended to each one's series. */
  #throughput (now: number, totals: Map<string, number>): ThroughputStage[] {
    const from = this.#sampleAtOrBefore(now - RATE_WINDOW_MS)
    const seconds = (now - from.t) / 1000
    const stages: ThroughputStage[] = []
    for (const [key, total] of totals) {
      const [direction, topic] = key.split('\t') as ['in' | 'out', string]
      const perSecond = seconds > 0 ? round((total - (from.totals.get(key) ?? 0)) / seconds, 1) : 0
      const series = this.#rates.get(key) ?? []
      series.push([now, perSecond])
      while (series.length > 0 && series[0][0] < now - this.#o.historyMs) series.shift()
      this.#rates.set(key, series)
      stages.push({ direction, topic, total, perSecond, series: series.slice() })
    }
    return stages.sort((a, b) => a.direction.localeCompare(b.direction) || a.topic.localeCompare(b.topic))
  }

  #sampleAtOrBefore (t: number): Sample {
    let found = this.#samples[0]
    for (const s of this.#samples) if (s.t <= t) found = s
    return found
  }
}

/** The app's cumulative histogram as (upper bound, count) pairs, ascending, +Inf last. */
function histogramBuckets (metric: MetricObjectWithValues<MetricValue<string>> | undefined, app: string): Buckets {
  return (metric?.values ?? [])
    .filter(v => v.labels.app === app && (v as { metricName?: string }).metricName?.endsWith('_bucket') === true)
    .map(v => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), count: v.value }))
    .sort((a, b) => a.le - b.le)
}

function subtractBuckets (now: Buckets, before: Buckets): Buckets {
  return now.map(b => ({ le: b.le, count: b.count - (before.find(x => x.le === b.le)?.count ?? 0) }))
}

/** score labels the version (`susy@3`, value 1); train and online label the name, value the number. */
function modelVersion (values: Array<MetricValue<string>>): string | null {
  const v = values.find(x => x.value > 0)
  if (v === undefined) return null
  const model = String(v.labels.model)
  return model.includes('@') ? model : `${model}@${v.value}`
}

function addOnChange (curve: Point[], t: number, value: number | null): void {
  if (value === null || curve.at(-1)?.[1] === value) return
  curve.push([t, value])
  if (curve.length > MAX_CURVE_POINTS) curve.splice(0, curve.length - MAX_CURVE_POINTS)
}

function round (n: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

type MetricsJson = Awaited<ReturnType<typeof registry.getMetricsAsJSON>>

/** One sample of the registry, read for one app (its `app` label) or process-wide. */
interface MetricReader {
  metrics: Map<string, MetricsJson[number]>
  /** The values of `name` labelled with this app. */
  mine: (name: string) => Array<MetricValue<string>>
  /** The sum of this app's values of `name` whose `label` is `value`. */
  sum: (name: string, label: string, value: string) => number
  /** This app's first value of `name`, if finite. */
  gauge: (name: string) => number | null
  /** The first value of a process-wide metric, if finite. */
  global: (name: string) => number | null
}

function metricReader (json: MetricsJson, app: string): MetricReader {
  const metrics = new Map(json.map(m => [m.name, m]))
  const finite = (v: number | undefined): number | null => v !== undefined && Number.isFinite(v) ? v : null
  const mine = (name: string): Array<MetricValue<string>> => ((metrics.get(name)?.values ?? []) as Array<MetricValue<string>>).filter(v => v.labels.app === app)
  return {
    metrics,
    mine,
    sum: (name, label, value) => mine(name).filter(v => v.labels[label] === value).reduce((s, v) => s + v.value, 0),
    gauge: name => finite(mine(name)[0]?.value),
    global: name => finite(metrics.get(name)?.values[0]?.value)
  }
}

/** Consumer lag per partition, with the committed offset beside it. */
function lagOf (read: MetricReader): Status['lag'] {
  return read.mine('streamfit_consumer_lag').map(v => ({
    topic: String(v.labels.topic),
    partition: Number(v.labels.partition),
    lag: v.value,
    committed: read.mine('streamfit_committed_offset').find(c => c.labels.topic === v.labels.topic && c.labels.partition === v.labels.partition)?.value ?? null
  })).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
}

function processOf (read: MetricReader): Status['process'] {
  const backends = (read.metrics.get('streamfit_backend_info')?.values ?? []).filter(v => v.value > 0).map(v => String(v.labels.backend))
  return {
    pid: process.pid,
    node: process.version,
    backend: backends.length > 0 ? backends.join(', ') : null,
    rssBytes: read.global('streamfit_process_resident_memory_bytes') ?? process.memoryUsage.rss(),
    eventLoopDelayP50Seconds: read.global('streamfit_nodejs_eventloop_lag_p50_seconds'),
    eventLoopDelayP99Seconds: read.global('streamfit_nodejs_eventloop_lag_p99_seconds'),
    uptimeSeconds: round(process.uptime(), 1)
  }
}
