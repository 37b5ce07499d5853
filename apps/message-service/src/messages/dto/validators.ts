import { CONTROL_CHARACTERS, LIMITS, parseInstant } from '@app/contracts';
import { ValidateBy, ValidationArguments, ValidationOptions } from 'class-validator';

/** What is wrong with a `properties` value, or undefined when it is fine. */
export function propertiesProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'properties must be an object of string values';
  }
  const entries = Object.entries(value);
  if (entries.length > LIMITS.propertiesMaxCount) {
    return `properties must have at most ${LIMITS.propertiesMaxCount} entries`;
  }
  for (const [name, v] of entries) {
    if (!LIMITS.propertyNamePattern.test(name)) {
      return `property name ${JSON.stringify(name.slice(0, 80))} must match ${LIMITS.propertyNamePattern.source}`;
    }
    if (name.toLowerCase().startsWith(LIMITS.reservedPropertyPrefix)) {
      return `property names starting with "${LIMITS.reservedPropertyPrefix}" are reserved`;
    }
    if (typeof v !== 'string') return `property ${name} must be a string`;
    if (v.length > LIMITS.propertyValueMaxLength) {
      return `property ${name} must be at most ${LIMITS.propertyValueMaxLength} characters`;
    }
    if (CONTROL_CHARACTERS.test(v)) return `property ${name} must not contain control characters`;
  }
  if (Buffer.byteLength(JSON.stringify(value)) > LIMITS.propertiesMaxBytes) {
    return `properties must be at most ${LIMITS.propertiesMaxBytes} bytes as JSON`;
  }
  return undefined;
}

/** A flat object of string values: bounded count, names, sizes; no reserved names. */
export function IsStringRecord(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringRecord',
      validator: {
        validate: (value: unknown) => propertiesProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          propertiesProblem(args?.value) ?? 'properties are invalid',
      },
    },
    options,
  );
}

/** A string (or, with `each`, strings) without control characters. */
export function HasNoControlCharacters(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasNoControlCharacters',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !CONTROL_CHARACTERS.test(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must not contain control characters`,
      },
    },
    options,
  );
}

/** An RFC 3339 date-time with a zone naming a real instant (see `parseInstant`). */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && parseInstant(value) !== undefined,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must be a date-time with a zone, e.g. 2024-05-01T12:00:00Z or 2024-05-01T14:00:00+02:00`,
      },
    },
    options,
  );
}
