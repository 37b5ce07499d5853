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

/**
 * A DTO's checks as plain code: `accepts` says true only when its decorators accept the value
 * too; `make` turns an accepted value into the DTO.
 */
export interface FastCheck {
  accepts(value: unknown): boolean;
  make(value: unknown): unknown;
}

/**
 * Takes a DTO's fast check first, when it has one; refuses JSON nested deeper than any request
 * needs before the validator recurses into it.
 */
class DepthCheckingValidationPipe extends ValidationPipe {
  constructor(
    options: ConstructorParameters<typeof ValidationPipe>[0],
    private readonly fast: ReadonlyMap<unknown, FastCheck>,
  ) {
    super(options);
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A custom decorator's value (the authenticated producer) is the service's own, not input.
    if (metadata.type === 'custom') return super.transform(value, metadata) as Promise<unknown>;
    const fast = metadata.type === 'body' ? this.fast.get(metadata.metatype) : undefined;
    if (fast?.accepts(value)) return Promise.resolve(fast.make(value));
    const path = tooDeep(value, LIMITS.jsonMaxDepth);
    if (path !== undefined) {
      const message = `nests deeper than ${LIMITS.jsonMaxDepth} levels`;
      throw new ValidationFailedError(`${path}: ${message}`, [{ field: path, message }]);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

/**
 * The global pipe: a body its DTO's fast check accepts is taken as it is (`fast`); otherwise JSON
 * nested too deep is refused first; unknown fields are refused; every problem is reported per
 * field.
 */
export function createValidationPipe(
  fast: ReadonlyMap<unknown, FastCheck> = new Map(),
): ValidationPipe {
  return new DepthCheckingValidationPipe(
    {
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      exceptionFactory: (errors) => {
        const details = flatten(errors);
        const summary = details.map((d) => d.message).join('; ');
        return new ValidationFailedError(summary || 'Validation failed', details);
      },
    },
    fast,
  );
}
