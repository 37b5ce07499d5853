import { LIMITS } from '@app/contracts';
import { PipeTransform } from '@nestjs/common';
import { NotFoundError } from './domain-errors';

/**
 * A path id that cannot name anything (not a ULID, not a slug) is answered 404 at once: no such
 * message or producer exists, and the value never reaches a query on an ASCII column.
 */
class IdParamPipe implements PipeTransform<string, string> {
  constructor(
    private readonly pattern: RegExp,
    private readonly what: string,
  ) {}

  transform(value: string): string {
    if (!this.pattern.test(value)) {
      throw new NotFoundError(`${this.what} ${JSON.stringify(value.slice(0, 80))} not found`);
    }
    return value;
  }
}

export const MessageIdPipe = new IdParamPipe(LIMITS.messageIdPattern, 'message');
export const ProducerIdPipe = new IdParamPipe(LIMITS.producerIdPattern, 'producer');
