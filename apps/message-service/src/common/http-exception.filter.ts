import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ErrorBody, ErrorCode } from '@app/contracts';
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { DomainError, RateLimitedError } from './domain-errors';
import { isStoreUnavailable } from './store-errors';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.VALIDATION_FAILED,
  401: ErrorCode.UNAUTHORIZED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  503: ErrorCode.STORE_UNAVAILABLE,
};

/**
 * Maps every error to the contract's error body. Domain errors keep their code; parse and limit
 * errors get stable codes; a database outage is a 503; anything else is a 500 with an
 * `errorId` that the log line repeats. Never a stack trace in a response.
 */
export function toErrorBody(error: unknown, logger?: Logger): ErrorBody {
  if (error instanceof DomainError) {
    return {
      statusCode: error.httpStatus,
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    };
  }
  if (error instanceof HttpException) {
    // Nest wraps Fastify's own errors (body parsing, size limit, unknown route) as HttpException.
    // Our validation raises DomainErrors, so a bare 400 here is a body that could not be parsed.
    const status = error.getStatus();
    if (status === 400) {
      return {
        statusCode: 400,
        code: ErrorCode.MALFORMED_JSON,
        message: 'Request body is not valid JSON',
      };
    }
    if (status === 413) {
      return {
        statusCode: 413,
        code: ErrorCode.PAYLOAD_TOO_LARGE,
        message: 'Request body is too large',
      };
    }
    return {
      statusCode: status,
      code: CODE_BY_STATUS[status] ?? ErrorCode.INTERNAL_ERROR,
      message: error.message,
    };
  }
  if (isStoreUnavailable(error)) {
    logger?.warn(`store unavailable: ${(error as Error).message}`);
    return {
      statusCode: 503,
      code: ErrorCode.STORE_UNAVAILABLE,
      message: 'The message store is unavailable; the request had no effect, retry later',
    };
  }
  const errorId = randomUUID();
  logger?.error(`errorId=${errorId} ${(error as Error)?.stack ?? String(error)}`);
  return {
    statusCode: 500,
    code: ErrorCode.INTERNAL_ERROR,
    message: 'Internal error',
    errorId,
  };
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(error: unknown, host: ArgumentsHost): void {
    void sendError(host.switchToHttp().getResponse<FastifyReply>(), error, this.logger);
  }
}

/** Answers a request with the error body of `error` (and `Retry-After` for a 429). */
export function sendError(reply: FastifyReply, error: unknown, logger: Logger): FastifyReply {
  const body = toErrorBody(error, logger);
  if (error instanceof RateLimitedError) void reply.header('retry-after', error.retryAfterSeconds);
  return reply.status(body.statusCode).send(body);
}
