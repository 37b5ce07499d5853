import { ErrorCode, ErrorDetail } from '@app/contracts';

/** An error the API reports to its caller with a stable code and HTTP status. */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly httpStatus: number;
  details?: ErrorDetail[];
}

export class ValidationFailedError extends DomainError {
  readonly code = ErrorCode.VALIDATION_FAILED;
  readonly httpStatus = 400;
  constructor(message: string, details?: ErrorDetail[]) {
    super(message);
    this.details = details;
  }

  static field(field: string, message: string): ValidationFailedError {
    return new ValidationFailedError(`${field}: ${message}`, [{ field, message }]);
  }
}

export class UnauthorizedError extends DomainError {
  readonly code = ErrorCode.UNAUTHORIZED;
  readonly httpStatus = 401;
}

export class ForbiddenError extends DomainError {
  readonly code = ErrorCode.FORBIDDEN;
  readonly httpStatus = 403;
}

export class NotFoundError extends DomainError {
  readonly code = ErrorCode.NOT_FOUND;
  readonly httpStatus = 404;
}

export class MsgLogIdConflictError extends DomainError {
  readonly code = ErrorCode.MSG_LOG_ID_CONFLICT;
  readonly httpStatus = 409;
}

export class InvalidTransitionError extends DomainError {
  readonly code = ErrorCode.INVALID_TRANSITION;
  readonly httpStatus = 409;
}

export class PayloadTooLargeError extends DomainError {
  readonly code = ErrorCode.PAYLOAD_TOO_LARGE;
  readonly httpStatus = 413;
}

/** Over the producer's rate limit; `retryAfterSeconds` goes out as `Retry-After`. */
export class RateLimitedError extends DomainError {
  readonly code = ErrorCode.RATE_LIMITED;
  readonly httpStatus = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class StoreUnavailableError extends DomainError {
  readonly code = ErrorCode.STORE_UNAVAILABLE;
  readonly httpStatus = 503;
}
