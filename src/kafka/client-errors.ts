// The Kafka client's errors, recognised by the classes @platformatic/kafka exports (GenericError,
// MultipleErrors and their subclasses), never by the shape of an object. The client nests its
// errors (MultipleErrors.errors, cause); `findBy` and `findClientError` search the whole tree.
// streamfit's own error classes live in src/errors.ts; this module only reads the client's, and
// is loaded by src/cli.ts only when an error is not streamfit's (the client costs ~0.4 s to load).
import { AuthenticationError, GenericError, MultipleErrors, NetworkError, TimeoutError, UserError } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.js'
import { kafkaUnreachable, topicsMissing, UsageError } from '../errors.js'

type ClientError = GenericError | MultipleErrors

function isClientError (error: unknown): error is ClientError {
  return error instanceof GenericError || error instanceof MultipleErrors
}

/** The first of `apiIds` (broker error names such as PRODUCER_FENCED) found in a client error, if any. */
export function clientApiError (error: unknown, ...apiIds: string[]): string | undefined {
  if (!isClientError(error)) return undefined
  return apiIds.find(id => (error as GenericError).findBy('apiId', id) !== null)
}

/** The first error in the tree (the error, its `errors`, its `cause`s) for which `match` holds. */
export function findClientError<T extends Error> (error: unknown, match: (e: Error) => e is T, depth = 0): T | undefined {
  if (!(error instanceof Error) || depth > 8) return undefined
  if (match(error)) return error
  for (const inner of (error instanceof AggregateError ? error.errors : [])) {
    const found = findClientError(inner, match, depth + 1)
    if (found) return found
  }
  return findClientError(error.cause, match, depth + 1)
}

// A fetch for a node its metadata no longer lists (a broker killed or restarting) fails with a
// UserError the client does not retry, though the cause is the cluster's, not the caller's: the
// node comes back, or the partition's new leader is fetched from on the next try.
const NODE_AWAY = /^Cannot find broker with node id \d+$/

/**
 * A client error the client itself would retry (every error in its tree is marked retriable: a
 * broker away, NOT_COORDINATOR, NOT_LEADER_OR_FOLLOWER ...), a request timeout, or a node missing
 * from the metadata: worth trying again later. Authentication, authorization and unknown-topic
 * errors are not.
 */
export function isTransientKafkaError (error: unknown): boolean {
  if (!isClientError(error)) return false
  const away = (e: Error): boolean => e instanceof UserError && NODE_AWAY.test(e.message)
  if (findClientError(error, (e): e is AuthenticationError | UserError => e instanceof AuthenticationError || (e instanceof UserError && !away(e)))) return false
  if (findClientError(error, (e): e is TimeoutError => e instanceof TimeoutError)) return true
  // As the client's own findBy('canRetry', false) walks the tree (its errors, not their causes).
  const final = (e: unknown): boolean => e instanceof Error && (((e as GenericError).canRetry === false && !away(e)) || (e instanceof AggregateError && e.errors.some(final)))
  return !final(error)
}

// Node's TLS verification failures carry these codes (see tls.checkServerIdentity, OpenSSL).
const CERT_CODES = /^(UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|CERT_|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_)/

/**
 * A client error a user can fix (unreachable broker, TLS or SASL mismatch, missing topic) as a
 * one-line UsageError naming the problem and the fix; undefined for anything else.
 */
export function explainClientError (error: unknown, kafka: Pick<KafkaConfig, 'brokers' | 'tls' | 'sasl'>): UsageError | undefined {
  if (!isClientError(error)) return undefined
  const at = kafka.brokers.join(',')
  const auth = findClientError(error, (e): e is AuthenticationError => e instanceof AuthenticationError)
  if (auth) {
    return new UsageError(`Kafka at ${at} refused SASL authentication (${auth.message}): check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD${kafka.sasl ? '' : ', or unset KAFKA_SASL_MECHANISM for a broker without SASL'}`)
  }
  const cert = findClientError(error, (e): e is NodeJS.ErrnoException => CERT_CODES.test(String((e as NodeJS.ErrnoException).code ?? '')))
  if (cert) {
    return new UsageError(`Kafka at ${at}: TLS certificate refused (${cert.code}): set KAFKA_TLS_CA to the CA file that signed the broker's certificate (KAFKA_TLS_INSECURE=1 skips the check, for test brokers only)`)
  }
  const user = findClientError(error, (e): e is UserError => e instanceof UserError)
  if (user && /TLS handshake/.test(user.message)) {
    return new UsageError(`Kafka at ${at} did not complete a TLS handshake: unset KAFKA_TLS and KAFKA_TLS_CA for a plaintext broker, or point KAFKA_BROKERS at its TLS listener`)
  }
  const topic = user && /^Unknown topic (.+)\.$/.exec(user.message)
  if (topic) return topicsMissing(kafka, [topic[1]!])
  if (clientApiError(error, 'UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_ID')) return topicsMissing(kafka, ['(one of the requested)'])
  const denied = clientApiError(error, 'TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')
  if (denied) return new UsageError(`Kafka at ${at} denied the request (${denied}): grant that user (KAFKA_SASL_USERNAME) the ACL it lacks, or use another user`)
  if (findClientError(error, (e): e is NetworkError | TimeoutError => e instanceof NetworkError || e instanceof TimeoutError)) return kafkaUnreachable(kafka)
  return undefined
}
