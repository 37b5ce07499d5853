import { BodyEncoding } from '@app/contracts';
import { createHash } from 'node:crypto';
import { ValidationFailedError } from '../common/domain-errors';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The body bytes of a prepare request; a 400 for base64 that is not canonical base64. */
export function decodeBody(body: string, encoding: BodyEncoding = 'utf8'): Buffer {
  if (encoding === 'utf8') return Buffer.from(body, 'utf8');
  if (!BASE64.test(body)) throw ValidationFailedError.field('body', 'is not valid base64');
  return Buffer.from(body, 'base64');
}

/** What makes two prepares with the same msgLogId "the same message". */
export interface MessageContent {
  topic: string;
  tag: string | null;
  keys: string[];
  properties: Record<string, string>;
  messageGroup: string | null;
  deliverAt: Date | null;
  body: Buffer;
}

/**
 * SHA-256 over a canonical form of the content: absent and empty keys/properties are the same,
 * property order does not matter, the body is compared as bytes (after decoding).
 */
export function contentHash(content: MessageContent): string {
  const properties = Object.keys(content.properties)
    .sort()
    .map((k) => [k, content.properties[k]]);
  const header = JSON.stringify([
    content.topic,
    content.tag,
    content.keys,
    properties,
    content.messageGroup,
    content.deliverAt ? content.deliverAt.getTime() : null,
    content.body.length,
  ]);
  return createHash('sha256')
    .update(header, 'utf8')
    .update('\n')
    .update(content.body)
    .digest('hex');
}
