// Every error class streamfit throws on purpose, each with the exit code the CLI maps it to.
// src/cli.ts prints a StreamfitError as one line (`streamfit: <message>`) and exits with its
// `exitCode`; anything else is first offered to src/kafka/client-errors.ts, which recognises the
// Kafka client's own errors by their classes and turns the ones a user can fix into a UsageError.
//
// This module imports nothing heavy: config.ts and the CLI load it on every start, and loading
// the Kafka client costs ~0.4 s that `up`, `down` or `--help` should not pay.
import type { DecodeReason } from './codec/susy-csv.js'
import type { RowError } from './data/parse-row.js'
import type { KafkaRecord } from './record.js'

/** The process exit codes of the CLI (docs/cli.md, "Errors and exit codes"). */
export const EXIT = {
  ok: 0,
  /** A failure streamfit could not attribute to the user's input or setup (a bug, a broker fault). */
  failure: 1,
  /** The user can fix it: bad flag or value, unreachable service, missing topic, bad data. */
  usage: 2,
  /** Another live instance took over (same transactional id, or a rival trainer of the lineage). */
  fenced: 3,
  /** A second SIGTERM/SIGINT asked for an immediate exit. */
  interrupted: 130
} as const

/** Base of streamfit's errors: a message meant for a user, and an exit code. */
export class StreamfitError extends Error {
  override name = 'StreamfitError'
  readonly exitCode: number = EXIT.failure
}

/** A user mistake (bad flag, bad value, unreachable service, missing topic): one line, exit 2. */
export class UsageError extends StreamfitError {
  override name = 'UsageError'
  override readonly exitCode: number = EXIT.usage
}

/** A malformed row that stops `load` / `evaluate` (without --skip-bad): exit 2. */
export class BadRowError extends UsageError {
  override name = 'BadRowError'
  constructor (readonly row: RowError, source: string, fix = 'fix the row, or pass --skip-bad to skip and report malformed rows') {
    super(`${source}: line ${row.line}: ${row.reason} (${fix})`)
  }
}

/** A bad record met by decodeCsv without a dead-letter sink: the input is at fault, exit 2. */
export class DecodeError extends StreamfitError {
  override name = 'DecodeError'
  override readonly exitCode: number = EXIT.usage
  constructor (readonly reason: DecodeReason, readonly detail: string, readonly record: KafkaRecord) {
    super(`${record.topic}/${record.partition}@${record.offset}: ${reason}: ${detail}`)
  }
}

/** Another producer with our transactional id took over: this instance must stop, exit 3. */
export class FencedError extends StreamfitError {
  override name = 'FencedError'
  override readonly exitCode: number = EXIT.fenced
}

/**
 * The group moved partitions (or our read position) under the open batch: abort and re-read.
 * The scorer retries it; one that escapes is a failure (exit 1).
 */
export class RebalanceError extends StreamfitError {
  override name = 'RebalanceError'
}

/**
 * A registry save whose `ifLatest` no longer holds: another writer saved first. The online store
 * retries it; one that escapes means this writer lost its place, like a fenced scorer (exit 3).
 */
export class RegistryConflictError extends StreamfitError {
  override name = 'RegistryConflictError'
  override readonly exitCode: number = EXIT.fenced
}

/** Another online trainer of the same group extended the lineage: this one stops, exit 3. */
export class LineageConflictError extends StreamfitError {
  override name = 'LineageConflictError'
  override readonly exitCode: number = EXIT.fenced
}

/** A `demo` stage (a child `streamfit` process) failed: the demo exits with its code (2 stays 2, others 1). */
export class StageError extends StreamfitError {
  override name = 'StageError'
  override readonly exitCode: number
  constructor (readonly stage: string, readonly args: string[], readonly stageExitCode: number, readonly stderr: string) {
    super(`demo stopped: stage ${stage} failed (streamfit ${args.join(' ')} exited ${stageExitCode}; its output is above)`)
    this.exitCode = stageExitCode === EXIT.usage ? EXIT.usage : EXIT.failure
  }
}

/** What these messages need of a KafkaConfig (a structural type: config.ts imports this module). */
export interface KafkaBrokers { brokers: readonly string[] }

/** The one-line error for a broker that does not answer: the address tried, and what to do. */
export function kafkaUnreachable (kafka: KafkaBrokers): UsageError {
  return new UsageError(`no Kafka broker answers at ${kafka.brokers.join(',')}: start one with \`streamfit up\` (or \`docker compose up -d kafka\`), or point KAFKA_BROKERS at a running broker`)
}

/**
 * Kafka kept failing for longer than STREAMFIT_BROKER_TIMEOUT_MS (a broker outage, not a bounce):
 * one line, exit 2. Nothing is lost: what was not committed is read again by the next run.
 */
export function kafkaOutage (kafka: KafkaBrokers, seconds: number, last: unknown): UsageError {
  const detail = String((last as Error)?.message ?? last).split('\n')[0]
  return new UsageError(`Kafka at ${kafka.brokers.join(',')} kept failing for ${seconds} s (last: ${detail}); nothing uncommitted was lost: start the brokers again and rerun, or raise STREAMFIT_BROKER_TIMEOUT_MS`)
}

/** The one-line error for a Redis that does not answer; `url` must already be masked; `then` follows the fix. */
export function redisUnreachable (url: string, detail?: string, then?: string): UsageError {
  return new UsageError(`no Redis answers at ${url}${detail ? ` (${detail})` : ''}: start one with \`streamfit up\` (or \`docker compose up -d redis\`), or point REDIS_URL at a running Redis${then ? `; ${then}` : ''}`)
}

/** The one-line error for topics that do not exist. */
export function topicsMissing (kafka: KafkaBrokers, missing: string[]): UsageError {
  return new UsageError(`topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} do${missing.length > 1 ? '' : 'es'} not exist on ${kafka.brokers.join(',')}: run \`streamfit load\` (it creates them), create them, or check the topic name`)
}

/** A failure STREAMFIT_FAIL asked for (tests of the exactly-once path): retried like any failed batch; exit 1 if it escapes. */
export class InjectedFailure extends StreamfitError {
  override name = 'InjectedFailure'
}

/** The exit code for an error: its own for streamfit's errors, 1 for anything else. */
export function exitCodeOf (error: unknown): number {
  return error instanceof StreamfitError ? error.exitCode : EXIT.failure
}
