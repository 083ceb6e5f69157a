// Structured logs (pino, JSON lines on stderr so stdout stays free for --json results).
// Secrets never reach a log line: known secret paths are redacted whatever logs them.
import { pino, type Logger } from 'pino'

export type { Logger }

const REDACT = [
  'password', '*.password', '*.*.password', '*.*.*.password', 'sasl.password', '*.sasl.password',
  'key', 'tls.key', '*.tls.key', 'cert', '*.tls.cert', 'token', '*.token'
]

export function createLogger (name: string, level = process.env.STREAMFIT_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination(2))
}
