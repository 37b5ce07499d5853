import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorDetail, LIMITS } from '@app/contracts';
import { ValidationFailedError } from './domain-errors';
import { tooDeep } from './json-depth';

function flatten(errors: ValidationError[], prefix = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Refuses JSON nested deeper than any request needs before the validator recurses into it. */
class DepthCheckingValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const path = tooDeep(value, LIMITS.jsonMaxDepth);
    if (path !== undefined) {
      const message = `nests deeper than ${LIMITS.jsonMaxDepth} levels`;
      throw new ValidationFailedError(`${path}: ${message}`, [{ field: path, message }]);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

/**
 * The global pipe: JSON nested too deep is refused first; unknown fields are refused; every
 * problem is reported per field.
 */
export function createValidationPipe(): ValidationPipe {
  return new DepthCheckingValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      const summary = details.map((d) => d.message).join('; ');
      return new ValidationFailedError(summary || 'Validation failed', details);
    },
  });
}
