// What a failed transaction means for the caller: stop (fenced), or abort and re-read (the group
// moved under it). Client errors are recognised by the Kafka error code the broker returned.

/** Another producer with our transactional id took over: this instance must stop. */
export class FencedError extends Error {
  override name = 'FencedError'
}

/** The group moved partitions (or our read position) under the open batch: abort and re-read. */
export class RebalanceError extends Error {
  override name = 'RebalanceError'
}

interface FindableError { findBy?: (property: string, value: unknown) => unknown }

function hasCode (error: unknown, code: string): boolean {
  return !!(error as FindableError)?.findBy?.('apiId', code)
}

/** The coordinator no longer knows our producer epoch: there is nothing left to abort with. */
export function isFenced (error: unknown): boolean {
  return ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'].some(code => hasCode(error, code))
}

/** Turns client errors that mean "stop" or "re-read" into FencedError / RebalanceError. */
export function classifyTransactionError (error: unknown, transactionalId: string | undefined): unknown {
  if (error instanceof FencedError || error instanceof RebalanceError) return error
  if (hasCode(error, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')) {
    return new FencedError(`not authorized to use transactional id "${transactionalId}"`, { cause: error })
  }
  if (isFenced(error)) {
    return new FencedError(`fenced: another instance started with transactional id "${transactionalId}" and took over; ` +
      'this one stops (give each running scorer its own --transactional-id)', { cause: error })
  }
  for (const id of ['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID', 'REBALANCE_IN_PROGRESS']) {
    if (hasCode(error, id)) return new RebalanceError(`the group coordinator rejected the offsets (${id}): partitions moved; re-reading from the committed offsets`, { cause: error })
  }
  return error
}
