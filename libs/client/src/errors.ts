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
 * `publish` found that a check-back had already answered ROLLED_BACK for its msgLogId before its
 * transaction wrote the barrier row: the transaction was rolled back, and the message will never
 * be delivered. Running the business operation again (with a new msgLogId) is safe.
 */
export class RolledBackByCheckBackError extends Error {
  override readonly name = 'RolledBackByCheckBackError';
  readonly code = 'ROLLED_BACK_BY_CHECK_BACK';

  constructor(
    readonly msgLogId: string,
    readonly messageId: string,
  ) {
    super(
      `msgLogId ${msgLogId}: a check-back answered ROLLED_BACK before the transaction wrote its ` +
        'barrier row; the transaction was rolled back and the message will not be delivered',
    );
  }
}
