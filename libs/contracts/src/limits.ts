/** Validation limits shared by the service and the SDKs. */
export const LIMITS = {
  msgLogIdMaxLength: 128,
  /** A message id: a ULID. */
  messageIdPattern: /^[0-9A-HJKMNP-TV-Z]{26}$/,
  /** A producer id: a slug. */
  producerIdPattern: /^[a-z0-9][a-z0-9_-]{0,63}$/,
  topicPattern: /^[%a-zA-Z0-9_-]{1,127}$/,
  tagMaxLength: 128,
  keysMaxCount: 32,
  keyMaxLength: 128,
  propertiesMaxCount: 64,
  propertyNameMaxLength: 64,
  propertyValueMaxLength: 1024,
  /** `properties` as JSON, in UTF-8 bytes. */
  propertiesMaxBytes: 16 * 1024,
  propertyNamePattern: /^[a-zA-Z0-9_.-]{1,64}$/,
  messageGroupMaxLength: 128,
  msgLogUrlMaxLength: 2048,
  /** Messages in one `POST /v1/messages/batch`. */
  batchMaxMessages: 100,
  /** Property names starting with this prefix are set by the service and refused from producers. */
  reservedPropertyPrefix: 'rms-',
  /** How deep a request's JSON may nest (a prepare needs 3: body → properties → value). */
  jsonMaxDepth: 32,
} as const;

/** Control characters (C0, DEL, C1): refused in ids, tags, keys, groups and property values. */
export const CONTROL_CHARACTERS = /\p{Cc}/u;

/** A UTF-16 surrogate without its pair: not Unicode text (it would be stored as U+FFFD). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Well-formed Unicode without control characters. */
export const isPlainText = (text: string): boolean =>
  !CONTROL_CHARACTERS.test(text) && !LONE_SURROGATE.test(text);

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/i;

/**
 * The instant an RFC 3339 date-time names (`2024-05-01T12:00:00Z`, `…+02:00`, fractions
 * allowed), or undefined when the text is not one: a zone is required, and the date and time
 * must exist (no February 30th, no hour 24). Precision is cut to milliseconds.
 */
export function parseInstant(text: string): Date | undefined {
  const m = INSTANT.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const fraction = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, fraction);
  const check = new Date(local);
  if (
    year < 1 ||
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  if (m[8].toUpperCase() === 'Z') return check;
  const [offsetHours, offsetMinutes] = [Number(m[10]), Number(m[11])];
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (m[9] === '-' ? -1 : 1);
  return new Date(local - offsetMs);
}
