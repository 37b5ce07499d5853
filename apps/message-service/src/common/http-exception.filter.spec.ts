import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { ErrorCode } from '@app/contracts';
import { MsgLogIdConflictError, ValidationFailedError } from './domain-errors';
import { toErrorBody } from './http-exception.filter';

describe(toErrorBody.name, () => {
  it('should keep a domain error code, status and field details', () => {
    expect(toErrorBody(ValidationFailedError.field('topic', 'is bad'))).toEqual({
      statusCode: 400,
      code: ErrorCode.VALIDATION_FAILED,
      message: 'topic: is bad',
      details: [{ field: 'topic', message: 'is bad' }],
    });
    expect(toErrorBody(new MsgLogIdConflictError('taken'))).toMatchObject({
      statusCode: 409,
      code: 'MSG_LOG_ID_CONFLICT',
    });
  });

  it('should map a bare 400 from body parsing to MALFORMED_JSON and 413 to PAYLOAD_TOO_LARGE', () => {
    expect(toErrorBody(new BadRequestException('Unexpected token'))).toMatchObject({
      code: 'MALFORMED_JSON',
    });
    expect(toErrorBody(new HttpException('too big', 413))).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(toErrorBody(new NotFoundException('Cannot GET /x'))).toMatchObject({
      statusCode: 404,
      code: 'NOT_FOUND',
    });
  });

  it('should answer 503 STORE_UNAVAILABLE when MySQL cannot be reached', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), {
      code: 'ECONNREFUSED',
    });
    const wrapped = Object.assign(new Error('query failed'), {
      driverError: { code: 'PROTOCOL_CONNECTION_LOST' },
    });
    expect(toErrorBody(refused)).toMatchObject({ statusCode: 503, code: 'STORE_UNAVAILABLE' });
    expect(toErrorBody(wrapped)).toMatchObject({ statusCode: 503, code: 'STORE_UNAVAILABLE' });
  });

  it('should hide unexpected errors behind an errorId, never a stack trace', () => {
    const body = toErrorBody(new TypeError('cannot read properties of undefined'));
    expect(body).toMatchObject({
      statusCode: 500,
      code: 'INTERNAL_ERROR',
      message: 'Internal error',
    });
    expect(body.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(body)).not.toContain('TypeError');
  });
});
