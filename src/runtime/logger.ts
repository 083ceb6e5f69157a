// Structured logs on stderr, so stdout stays free for --json results. Piped (a service, a file,
// a log shipper) they are pino's JSON lines; on a terminal they are pino-pretty's readable lines
// (time, level, message; the start-up config and topology objects are left to the JSON form and to
// `streamfit describe`). --log-format json (or STREAMFIT_LOG_FORMAT=json) forces JSON anywhere.
// Secrets never reach a log line: known secret paths are redacted whatever logs them.
import { createRequire } from 'node:module'
import { pino, type Logger } from 'pino'

export type { Logger }

/** Log line format: one JSON object per line (services) or pino-pretty's coloured text (a terminal). */
export type LogFormat = 'json' | 'pretty'

/** Every {@link LogFormat}, for validating --log-format. */
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty']

const REDACT = [
  'password', '*.password', '*.*.password', '*.*.*.password', 'sasl.password', '*.sasl.password',
  'key', 'tls.key', '*.tls.key', 'cert', '*.tls.cert', 'token', '*.token'
]

/** json when stderr is not a terminal, pretty when it is (unless STREAMFIT_LOG_FORMAT says otherwise). */
export function defaultLogFormat (env: NodeJS.ProcessEnv = process.env, tty = process.stderr.isTTY === true): LogFormat {
  const asked = env.STREAMFIT_LOG_FORMAT
  if (asked === 'json' || asked === 'pretty') return asked
  return tty ? 'pretty' : 'json'
}

/**
 * A pino logger writing to stderr, with credentials (passwords, SASL) redacted. `level` defaults to
 * STREAMFIT_LOG_LEVEL or info; `format` to pretty on a terminal, JSON otherwise.
 */
export function createLogger (name: string, level = process.env.STREAMFIT_LOG_LEVEL ?? 'info', format: LogFormat = defaultLogFormat()): Logger {
  const options = { name, level, redact: { paths: REDACT, censor: '[redacted]' } }
  if (format === 'json') return pino(options, pino.destination(2))
  // Loaded only for a terminal: a service never pays for it. pino-pretty is CommonJS, so it can
  // be required synchronously; `sync` keeps lines in order with the CLI's own stderr writes.
  const pretty = createRequire(import.meta.url)('pino-pretty') as (o: Record<string, unknown>) => NodeJS.WritableStream
  return pino(options, pretty({
    destination: 2,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,config,topology',
    singleLine: true
  }))
}
