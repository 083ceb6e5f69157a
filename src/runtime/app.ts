// Runs one streamfit app (train, score, online) as a service: structured logs, Prometheus metrics
// on --metrics-port, graceful stop on SIGTERM/SIGINT and the exit codes an orchestrator expects.
//
//   program.command('score') ... ; withAppOptions(cmd).action(async opts => {
//     const result = await runApp('score', appOptions(opts), async ({ signal, logger }) => {
//       return scoreTopology({ ..., signal })   // finish the current batch when `signal` aborts
//     })
//   })
//
// Exit codes: 0 when the app finished or was stopped by a first signal; 1 on a failure; 2 on a
// usage error (bad flag, unreachable broker: thrown as UsageError, reported by src/cli.ts);
// 130 when a second signal asks for an immediate exit (src/runtime/shutdown.ts).
import type { Command } from 'commander'
import { maskUrlPassword, parseNumber, type Config, type KafkaConfig } from '../config.js'
import { StreamfitError, UsageError } from '../errors.js'
import { groupLag } from '../kafka/group-offsets.js'
import type { TopologyDescription } from './describe.js'
import { createLogger, LOG_FORMATS, type LogFormat, type Logger } from './logger.js'
import { dashboardRoutes } from '../dashboard/routes.js'
import { StatusSampler } from '../dashboard/status.js'
import { pollReplication } from './poll-replication.js'
import { metrics, serveMetrics, type MetricsServer } from './metrics.js'
import { onShutdown } from './shutdown.js'

/**
 * Settings of {@link runApp} shared by the three apps: logging, the metrics server and what is logged
 * at start.
 */
export interface AppOptions {
  /** Serve /metrics and /health on this port (0 = any free port); no server when undefined. */
  metricsPort?: number
  /** Interface the metrics server (and dashboard) binds to; default 127.0.0.1, loopback only. */
  metricsHost?: string
  /** pino level; default STREAMFIT_LOG_LEVEL or info. */
  logLevel?: string
  /** json or pretty; default STREAMFIT_LOG_FORMAT, else pretty on a terminal and json when piped. */
  logFormat?: LogFormat
  /**
   * After the app returned, exit anyway when open handles (a client someone forgot to close)
   * still keep the process alive this long. A service must not hang on SIGTERM.
   */
  exitGraceMs?: number
  /** Logged at start with every secret masked (see safeConfig). */
  config?: Config
  /** Logged at start, so a service's log says what it runs (see src/runtime/describe.ts). */
  topology?: TopologyDescription
  /** With a metrics server: poll this group's lag into streamfit_consumer_lag{topic,partition}. */
  lag?: LagOptions
}

/** Which consumer group's lag the metrics server polls into streamfit_consumer_lag. */
export interface LagOptions {
  kafka: KafkaConfig
  groupId: string
  topics: string[]
  /** Default 2000 ms. */
  intervalMs?: number
}

/** What {@link runApp} hands the app body: its name, logger, the shutdown signal and the metrics server. */
export interface AppContext {
  readonly name: string
  readonly logger: Logger
  /** Aborts on the first SIGTERM/SIGINT: finish (or abort) the unit of work in hand, then return. */
  readonly signal: AbortSignal
  /** The metrics server, when --metrics-port was given (its `port` is the bound one). */
  readonly metricsServer?: MetricsServer
  /** /health answers 503 once this is set false (e.g. a fenced scorer), 200 while true. */
  setHealthy (ok: boolean): void
}

const DEFAULT_EXIT_GRACE_MS = 10_000
/** Loopback: the dashboard shows topics, offsets and the (redacted) config; widen with --metrics-host. */
export const DEFAULT_METRICS_HOST = '127.0.0.1'
// Often enough for the dashboard to show offsets moving, rarely enough to cost the broker nothing.
const DEFAULT_LAG_INTERVAL_MS = 2000

/**
 * Runs `main` as the app called `name`. Resolves to main's result, or undefined when a signal
 * stopped the app and main ended by throwing the abort reason. Any other error is logged and
 * rethrown (src/cli.ts turns it into exit code 1, or 2 for a UsageError).
 */
export async function runApp<T> (name: string, options: AppOptions, main: (ctx: AppContext) => Promise<T>): Promise<T | undefined> {
  const logger = createLogger(name, options.logLevel, options.logFormat)
  const shutdown = onShutdown()
  let healthy = true
  let metricsServer: MetricsServer | undefined
  let dashboard: StatusSampler | undefined
  const cleanups: Array<() => void> = [() => dashboard?.stop()]
  try {
    if (options.metricsPort !== undefined) {
      const host = options.metricsHost ?? DEFAULT_METRICS_HOST
      dashboard = new StatusSampler({
        app: name,
        ...(options.topology ? { topology: options.topology } : {}),
        ...(options.config ? { config: safeConfig(options.config) } : {})
      })
      metricsServer = await serveMetrics(options.metricsPort, () => healthy && !shutdown.signal.aborted, host, dashboardRoutes(dashboard))
      const base = `http://${host.includes(':') ? `[${host}]` : host}:${metricsServer.port}`
      logger.info({ port: metricsServer.port, host }, `metrics on ${base}/metrics, dashboard on ${base}/`)
    }
    const stopLag = metricsServer && options.lag ? pollLag(name, options.lag, logger) : undefined
    cleanups.push(() => stopLag?.())
    const stopReplication = metricsServer && options.config && options.topology ? pollReplication(name, options.config.kafka, options.topology, logger) : undefined
    cleanups.push(() => stopReplication?.())
    logger.info({
      ...(options.config ? { config: safeConfig(options.config) } : {}),
      ...(options.topology ? { topology: options.topology } : {})
    }, `${name} started`)
    const started = performance.now()
    try {
      const result = await main({ name, logger, signal: shutdown.signal, metricsServer, setHealthy: ok => { healthy = ok } })
      const seconds = round3((performance.now() - started) / 1000)
      logger.info({ seconds, stoppedBySignal: shutdown.signal.aborted }, shutdown.signal.aborted ? `${name} stopped` : `${name} finished`)
      return result
    } catch (error) {
      // A topology may end by rethrowing the abort reason: that is a clean stop, not a failure.
      if (shutdown.signal.aborted && error === shutdown.signal.reason) {
        logger.info(`${name} stopped`)
        return undefined
      }
      healthy = false
      // The CLI prints the one-line message; the log keeps the type and message, the stack only at debug.
      const message = (error as Error)?.message ?? String(error)
      if (error instanceof StreamfitError) logger.debug({ err: error }, `${name} stopped: ${message}`)
      else {
        logger.error({ err: { type: (error as Error)?.name, message } }, `${name} failed: ${message}`)
        logger.debug({ err: error }, `${name} failed`)
      }
      throw error
    }
  } finally {
    for (const cleanup of cleanups) cleanup()
    await metricsServer?.close()
    shutdown.dispose()
    forceExitIfStuck(logger, options.exitGraceMs ?? DEFAULT_EXIT_GRACE_MS)
  }
}

/** Sets streamfit_consumer_lag per partition every interval; returns a stop function. */
function pollLag (app: string, lag: LagOptions, logger: Logger): () => void {
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const tick = async (): Promise<void> => {
    try {
      for (const row of await groupLag(lag.kafka, lag.groupId, lag.topics)) {
        const labels = { app, topic: row.topic, partition: String(row.partition) }
        metrics.lag.set(labels, Number(row.lag))
        if (row.committed !== null) metrics.committedOffset.set(labels, Number(row.committed))
      }
    } catch (error) {
      // Lag is a view for dashboards: a failed poll must never stop the app.
      logger.debug({ err: error }, 'lag poll failed')
    }
    if (!stopped) timer = setTimeout(() => { void tick() }, lag.intervalMs ?? DEFAULT_LAG_INTERVAL_MS).unref()
  }
  void tick()
  return () => { stopped = true; clearTimeout(timer) }
}

// The timer is unref'd: it only fires when something else still holds the loop open.
function forceExitIfStuck (logger: Logger, graceMs: number): void {
  if (graceMs <= 0 || !Number.isFinite(graceMs)) return
  setTimeout(() => {
    logger.warn({ graceMs }, 'open handles kept the process alive after the app ended; exiting')
    process.exit(process.exitCode ?? 0)
  }, graceMs).unref()
}

function round3 (n: number): number {
  return Math.round(n * 1000) / 1000
}

/** Adds the service flags every app shares: --metrics-port and --log-level. */
export function withAppOptions (command: Command): Command {
  return command
    .option('--metrics-port <port>', 'serve Prometheus /metrics, /health and the live dashboard (/) on this port (env STREAMFIT_METRICS_PORT)')
    .option('--metrics-host <address>', `interface for --metrics-port; default ${DEFAULT_METRICS_HOST} (loopback), 0.0.0.0 for every interface (env STREAMFIT_METRICS_HOST)`)
    .option('--log-level <level>', 'log level: trace, debug, info, warn, error (env STREAMFIT_LOG_LEVEL)')
    .option('--log-format <format>', 'json, or pretty (readable lines); default pretty on a terminal, json when piped (env STREAMFIT_LOG_FORMAT)')
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])

/** Reads the flags added by withAppOptions (and their environment fallbacks) into AppOptions. */
export function appOptions (opts: { metricsPort?: string; metricsHost?: string; logLevel?: string; logFormat?: string }, env: NodeJS.ProcessEnv = process.env): AppOptions {
  const options: AppOptions = {}
  const port = opts.metricsPort ?? env.STREAMFIT_METRICS_PORT
  if (port !== undefined && port !== '') {
    const source = opts.metricsPort !== undefined ? '--metrics-port' : 'STREAMFIT_METRICS_PORT'
    options.metricsPort = parseNumber(source, port, { integer: true, min: 0 })
    if (options.metricsPort > 65535) throw new UsageError(`${source} expects a port number <= 65535`)
  }
  const host = opts.metricsHost ?? env.STREAMFIT_METRICS_HOST
  if (host !== undefined && host !== '') {
    if (!/^[\w.:-]+$/.test(host)) throw new UsageError(`${opts.metricsHost !== undefined ? '--metrics-host' : 'STREAMFIT_METRICS_HOST'} expects an address such as 127.0.0.1 or 0.0.0.0, got "${host}"`)
    options.metricsHost = host
  }
  const level = opts.logLevel ?? env.STREAMFIT_LOG_LEVEL
  if (level !== undefined && level !== '') {
    const source = opts.logLevel !== undefined ? '--log-level' : 'STREAMFIT_LOG_LEVEL'
    if (!LEVELS.has(level)) throw new UsageError(`${source} expects one of ${[...LEVELS].join(', ')}, got "${level}"`)
    options.logLevel = level
  }
  const format = opts.logFormat ?? env.STREAMFIT_LOG_FORMAT
  if (format !== undefined && format !== '') {
    if (!(LOG_FORMATS as readonly string[]).includes(format)) throw new UsageError(`${opts.logFormat !== undefined ? '--log-format' : 'STREAMFIT_LOG_FORMAT'} expects json or pretty, got "${format}"`)
    options.logFormat = format as LogFormat
  }
  return options
}

/**
 * The configuration with every secret masked, safe to log: SASL password, and a password in
 * REDIS_URL (redis://user:secret@host). Log this, never the Config itself.
 */
export function safeConfig (config: Config): Record<string, unknown> {
  return {
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    tls: config.kafka.tls ? { ca: config.kafka.tls.ca, rejectUnauthorized: config.kafka.tls.rejectUnauthorized } : false,
    sasl: config.kafka.sasl ? { mechanism: config.kafka.sasl.mechanism, username: config.kafka.sasl.username } : false,
    redisUrl: maskUrlPassword(config.redisUrl),
    registryPrefix: config.registryPrefix,
    topics: config.topics
  }
}

export { maskUrlPassword }
