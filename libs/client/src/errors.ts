import type { ErrorCode, ErrorDetail } from '../../contracts/src/error-codes';

/** What went wrong, as a caller switches on it: the service's stable codes, plus the transport's. */
export type RmsErrorCode = `${ErrorCode}` | 'NETWORK_ERROR' | 'TIMEOUT';

/**
 * A call to the service failed. `code` is the service's stable error code (`VALIDATION_FAILED`,
 * `MSG_LOG_ID_CONFLICT`, `INVALID_TRANSITION`, `RATE_LIMITED`, `STORE_UNAVAILABLE`, …) or, when no
 * answer came, `NETWORK_ERROR` or `TIMEOUT`; `statusCode` is the HTTP status when there was one.
 */
export class RmsError extends Error {
  override readonly name = 'RmsError';
  /** How long the service asked to wait (`Retry-After`), when it said. */
  retryAfterMs?: number;

  constructor(
    message: string,
    readonly code: RmsErrorCode,
    readonly statusCode?: number,
    readonly details?: ErrorDetail[],
    /** On 500s: the id the service's log line carries. */
    readonly errorId?: string,
  ) {
    super(message);
  }

  /** Whether the same call may succeed later: no answer, 429, or a 5xx. */
  get retryable(): boolean {
    return this.statusCode === undefined || this.statusCode === 429 || this.statusCode >= 500;
  }
}

/**
 * `publish` found its msgLogId already decided as rolled back (a check-back answered before the
 * transaction wrote the barrier row, or an earlier publish with this msgLogId rolled back): the
 * transaction was rolled back, and the message will never be delivered. Running the business
 * operation again with a new msgLogId is safe.
 */
export class RolledBackByCheckBackError extends Error {
  override readonly name = 'RolledBackByCheckBackError';
  readonly code = 'ROLLED_BACK_BY_CHECK_BACK';

  constructor(
    readonly msgLogId: string,
    readonly messageId: string,
  ) {
    super(
      `msgLogId ${msgLogId} was already decided as rolled back (by a check-back, or an earlier ` +
        'publish with this msgLogId that rolled back); the transaction was rolled back and the ' +
        'message will not be delivered. Publish again with a new msgLogId',
    );
  }
}

/**
 * `publish` was given a msgLogId whose barrier row another transaction had committed: the
 * message (the one of that msgLogId) follows that transaction, and this one was rolled back.
 */
export class MsgLogIdInUseError extends Error {
  override readonly name = 'MsgLogIdInUseError';
  readonly code = 'MSG_LOG_ID_IN_USE';

  constructor(
    readonly msgLogId: string,
    readonly messageId: string,
  ) {
    super(`msgLogId ${msgLogId} was committed by another transaction; this one was rolled back`);
  }
}

/**
 * The business transaction did not commit although `work` returned (on PostgreSQL a failed
 * statement that `work` caught aborts the transaction, and COMMIT then rolls back): the message
 * was cancelled.
 */
export class NotCommittedError extends Error {
  override readonly name = 'NotCommittedError';
  readonly code = 'NOT_COMMITTED';

  constructor(
    readonly msgLogId: string,
    readonly messageId: string,
  ) {
    super(
      `msgLogId ${msgLogId}: the transaction did not commit (did work() catch a failed ` +
        'statement?); the message was cancelled',
    );
  }
}
