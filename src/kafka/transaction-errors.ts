// What a failed transaction means for the caller: stop (FencedError), or abort and re-read
// (RebalanceError; both classes live in src/errors.ts). Client errors are recognised through the
// client's error classes by the Kafka error code the broker returned (client-errors.ts).
import { FencedError, RebalanceError } from '../errors.js'
import { clientApiError } from './client-errors.js'

/** The coordinator no longer knows our producer epoch: there is nothing left to abort with. */
export function isFenced (error: unknown): boolean {
  return clientApiError(error, 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED') !== undefined
}

/** The broker no longer takes our producer epoch (a timed-out transaction, or fencing): its code. */
export function epochError (error: unknown): string | undefined {
  return clientApiError(error, 'INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED')
}

/** Turns client errors that mean "stop" or "re-read" into FencedError / RebalanceError. */
export function classifyTransactionError (error: unknown, transactionalId: string | undefined): unknown {
  if (error instanceof FencedError || error instanceof RebalanceError) return error
  if (clientApiError(error, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')) {
    return new FencedError(`not authorized to use transactional id "${transactionalId}"`, { cause: error })
  }
  if (clientApiError(error, 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH')) {
    return new FencedError(`fenced: another instance started with transactional id "${transactionalId}" and took over; ` +
      'this one stops (give each running scorer its own --transactional-id)', { cause: error })
  }
  const moved = clientApiError(error, 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID', 'REBALANCE_IN_PROGRESS')
  if (moved) return new RebalanceError(`the group coordinator rejected the offsets (${moved}): partitions moved; re-reading from the committed offsets`, { cause: error })
  return error
}
