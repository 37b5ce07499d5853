import { isPlainText, LIMITS, parseInstant } from '@app/contracts';
import { ValidateBy, ValidationArguments, ValidationOptions } from 'class-validator';

/** An object that is not an array (what JSON calls an object). */
export const isPlainRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * No item of an array is itself an array: `@ValidateNested({ each: true })` refuses items that
 * are not objects, but lets an array through as if it were an object with no fields.
 */
export function HasNoArrayItems(options?: ValidationOptions): PropertyDecorator {
  const firstArray = (value: unknown) =>
    Array.isArray(value) ? value.findIndex((item) => Array.isArray(item)) : -1;
  return ValidateBy(
    {
      name: 'hasNoArrayItems',
      validator: {
        validate: (value: unknown) => firstArray(value) === -1,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'}.${firstArray(args?.value)} must be an object`,
      },
    },
    options,
  );
}

/** What is wrong with a `properties` value, or undefined when it is fine. */
export function propertiesProblem(value: unknown): string | undefined {
  if (!isPlainRecord(value)) return 'properties must be an object of string values';
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
    // A member every object has (toString, constructor, …): class-transformer drops such a key
    // without a word wherever it copies an object, so it is refused instead.
    if (name in Object.prototype) {
      return `property name "${name}" is reserved`;
    }
    if (typeof v !== 'string') return `property ${name} must be a string`;
    if (v.length > LIMITS.propertyValueMaxLength) {
      return `property ${name} must be at most ${LIMITS.propertyValueMaxLength} characters`;
    }
    if (!isPlainText(v)) {
      return `property ${name} must be well-formed Unicode without control characters`;
    }
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

/**
 * A string (or, with `each`, strings) of well-formed Unicode without control characters (a lone
 * surrogate would be stored as U+FFFD, making two different ids equal).
 */
export function HasNoControlCharacters(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasNoControlCharacters',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || isPlainText(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must be well-formed Unicode without control characters`,
      },
    },
    options,
  );
}

/** True for an RFC 3339 date-time with a zone naming an instant a DATETIME column holds. */
export function isInstant(value: unknown): boolean {
  const instant = typeof value === 'string' ? parseInstant(value) : undefined;
  // What a DATETIME column holds, and no earlier than the epoch.
  const year = instant?.getUTCFullYear() ?? 0;
  return year >= 1970 && year <= 9999;
}

/** An RFC 3339 date-time with a zone naming a real instant (see `parseInstant`). */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: isInstant,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must be a date-time with a zone between 1970 and 9999, e.g. 2024-05-01T12:00:00Z or 2024-05-01T14:00:00+02:00`,
      },
    },
    options,
  );
}
