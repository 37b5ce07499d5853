import { ErrorCode } from '@app/contracts';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

export class ErrorDetailDto {
  @ApiProperty({ example: 'topic' }) field!: string;
  @ApiProperty({ example: 'topic must match ^[%a-zA-Z0-9_-]{1,127}$' }) message!: string;
}

/** The body of every error response. */
export class ErrorBodyDto {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ enum: ErrorCode }) code!: ErrorCode;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ type: [ErrorDetailDto] }) details?: ErrorDetailDto[];
  @ApiPropertyOptional({ description: 'on 500s: quote it; the log line repeats it' })
  errorId?: string;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_FAILED (details name each field) or MALFORMED_JSON',
  401: 'UNAUTHORIZED: missing or wrong credentials',
  403: 'FORBIDDEN: the credentials do not cover this (e.g. a topic the consumer group is not registered for)',
  404: 'NOT_FOUND',
  409: 'MSG_LOG_ID_CONFLICT or INVALID_TRANSITION',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED: over RATE_LIMIT_PER_SECOND messages per second; retry after Retry-After seconds',
  503: 'STORE_UNAVAILABLE: MySQL could not be reached; the call had no effect',
};

/** Documents the error responses an endpoint can give. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status],
        type: ErrorBodyDto,
        ...(status === 429
          ? {
              headers: {
                'Retry-After': {
                  description: 'seconds until the producer may send again',
                  schema: { type: 'integer' },
                },
              },
            }
          : {}),
      }),
    ),
  );
}
