import { isPlainText, LIMITS } from '@app/contracts';
import {
  arrayMaxSize,
  isBoolean,
  isIn,
  isString,
  length,
  matches,
  maxLength,
} from 'class-validator';
import { PrepareBatchDto } from './prepare-batch.dto';
import {
  BODY_ENCODINGS,
  MSG_LOG_URL_PATTERN,
  PrepareMessageDto,
  TAG_PATTERN,
} from './prepare-message.dto';
import { isInstant, isPlainRecord, propertiesProblem } from './validators';

/**
 * The hot request bodies' checks as plain code, with class-validator's own check functions: each
 * says true only when the decorators of its DTO would accept the value too, unknown fields
 * included (refused). The validation pipe asks these first and, when they say true, skips
 * class-transformer and class-validator, which cost more than the rest of a request's parsing;
 * whatever they do not accept goes through class-validator, which names each field's problem.
 */

const PREPARE_FIELDS = new Set([
  'msgLogId',
  'topic',
  'tag',
  'keys',
  'properties',
  'body',
  'bodyEncoding',
  'messageGroup',
  'deliverAt',
  'msgLogUrl',
  'confirmed',
]);

/** `@IsOptional()`: class-validator skips a field's other checks when it is null or absent. */
const absent = (v: unknown): boolean => v === undefined || v === null;

const plainString = (v: unknown, min: number, max: number): v is string =>
  isString(v) && length(v, min, max) && isPlainText(v);

/** True when `PrepareMessageDto`'s decorators accept `v`. */
export function isValidPrepare(v: unknown): boolean {
  if (!isPlainRecord(v)) return false;
  for (const key in v) if (!PREPARE_FIELDS.has(key)) return false;
  const { msgLogId, topic, tag, keys, properties, body, bodyEncoding } = v;
  const { messageGroup, deliverAt, msgLogUrl, confirmed } = v;
  return (
    plainString(msgLogId, 1, LIMITS.msgLogIdMaxLength) &&
    isString(topic) &&
    matches(topic, LIMITS.topicPattern) &&
    (absent(tag) || (plainString(tag, 1, LIMITS.tagMaxLength) && matches(tag, TAG_PATTERN))) &&
    (absent(keys) ||
      (Array.isArray(keys) &&
        arrayMaxSize(keys, LIMITS.keysMaxCount) &&
        keys.every((k) => plainString(k, 1, LIMITS.keyMaxLength)))) &&
    (absent(properties) || propertiesProblem(properties) === undefined) &&
    isString(body) &&
    length(body, 1) &&
    (absent(bodyEncoding) || isIn(bodyEncoding, BODY_ENCODINGS)) &&
    (absent(messageGroup) || plainString(messageGroup, 1, LIMITS.messageGroupMaxLength)) &&
    (absent(deliverAt) || isInstant(deliverAt)) &&
    (absent(msgLogUrl) ||
      (isString(msgLogUrl) &&
        maxLength(msgLogUrl, LIMITS.msgLogUrlMaxLength) &&
        matches(msgLogUrl, MSG_LOG_URL_PATTERN))) &&
    (absent(confirmed) || isBoolean(confirmed))
  );
}

/** True when `PrepareBatchDto`'s decorators accept `v`. */
export function isValidPrepareBatch(v: unknown): boolean {
  if (!isPlainRecord(v)) return false;
  for (const key in v) if (key !== 'messages') return false;
  const { messages } = v;
  return (
    Array.isArray(messages) &&
    messages.length >= 1 &&
    messages.length <= LIMITS.batchMaxMessages &&
    messages.every(isValidPrepare)
  );
}

const asPrepare = (v: unknown): PrepareMessageDto =>
  Object.assign(Object.create(PrepareMessageDto.prototype) as PrepareMessageDto, v);

/**
 * The DTOs with a fast check, each with how an accepted value becomes the DTO (an instance of its
 * class, as class-transformer would make it).
 */
export const FAST_CHECKS = new Map<
  unknown,
  { accepts(v: unknown): boolean; make(v: unknown): unknown }
>([
  [PrepareMessageDto, { accepts: isValidPrepare, make: asPrepare }],
  [
    PrepareBatchDto,
    {
      accepts: isValidPrepareBatch,
      make: (v) =>
        Object.assign(Object.create(PrepareBatchDto.prototype) as PrepareBatchDto, {
          messages: (v as { messages: unknown[] }).messages.map(asPrepare),
        }),
    },
  ],
]);
