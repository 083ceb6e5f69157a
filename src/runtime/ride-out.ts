// rideOut: runs an app again, in the same process, after a transient Kafka failure (a broker
// away, a leader or coordinator moving) that ended it, for up to STREAMFIT_BROKER_TIMEOUT_MS of
// failures in a row: what a supervisor restarting it would do, without the exit. Only for apps
// whose restart is correct by construction: the online learner resumes from its latest
// registry version and that version's offsets, so no row is trained twice or skipped.
import { DEFAULT_BROKER_TIMEOUT_MS, type KafkaConfig } from '../config.js'
import { kafkaOutage } from '../errors.js'
import { isTransientKafkaError } from '../kafka/client-errors.js'
import type { Logger } from './logger.js'

export interface RideOutOptions {
  kafka: KafkaConfig
  /** An aborted run (SIGTERM) is not run again. */
  signal?: AbortSignal
  logger?: Logger
  /** What runs, for the log line. */
  what: string
  /** A run that lasted this long made progress: the failure streak starts again (default 10 s). */
  progressMs?: number
}

/** `run()`, run again after each transient Kafka failure (backoff 1, 2, 4 ... 10 s) until the bound. */
export async function rideOut<T> (run: () => Promise<T>, { kafka, signal, logger, what, progressMs = 10_000 }: RideOutOptions): Promise<T> {
  const bound = kafka.brokerTimeoutMs ?? DEFAULT_BROKER_TIMEOUT_MS
  let streakStart: number | undefined
  for (let failures = 0; ; failures++) {
    const started = Date.now()
    try {
      return await run()
    } catch (error) {
      if (!isTransientKafkaError(error) || signal?.aborted === true) throw error
      if (streakStart === undefined || Date.now() - started >= progressMs) { streakStart = started; failures = 0 }
      const elapsed = Date.now() - streakStart
      if (elapsed >= bound) throw kafkaOutage(kafka, Math.round(elapsed / 1000), error)
      const wait = Math.min(1000 * 2 ** failures, 10_000)
      logger?.warn({ err: error, retryInMs: wait }, `${what} stopped on a Kafka failure (${(error as Error).message}); starting again from the last saved state`)
      await new Promise(resolve => setTimeout(resolve, wait))
    }
  }
}
