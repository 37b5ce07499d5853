/** Stable error codes returned in the `code` field of every error body. */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  MALFORMED_JSON = 'MALFORMED_JSON',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  UNAUTHORIZED = 'UNAUTHORIZED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  MSG_LOG_ID_CONFLICT = 'MSG_LOG_ID_CONFLICT',
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED = 'RATE_LIMITED',
  STORE_UNAVAILABLE = 'STORE_UNAVAILABLE',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
}

/** One field-level problem in a `VALIDATION_FAILED` error. */
export interface ErrorDetail {
  field: string;
  message: string;
}

/** The body of every error response. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
  /** Present on 500s: quote it when reporting the problem; the log line carries the same id. */
  errorId?: string;
}
