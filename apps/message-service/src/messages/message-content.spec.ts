import { createHash } from 'node:crypto';
import { ValidationFailedError } from '../common/domain-errors';
import { contentHash, decodeBody, MessageContent } from './message-content';

const base: MessageContent = {
  topic: 'orders',
  tag: 'created',
  keys: ['k1'],
  properties: { a: '1', b: '2' },
  messageGroup: null,
  deliverAt: null,
  body: Buffer.from('hello'),
};

describe(contentHash.name, () => {
  it('should keep the digest that stored messages carry', () => {
    // Replays compare against hashes written by earlier versions: the canonical header, a
    // newline, then the body bytes.
    const header = '["orders","created",["k1"],[["a","1"],["b","2"]],null,null,5]';
    const stored = createHash('sha256').update(`${header}\nhello`).digest('hex');
    expect(contentHash(base)).toBe(stored);
  });

  it('should ignore property order', () => {
    expect(contentHash({ ...base, properties: { b: '2', a: '1' } })).toBe(contentHash(base));
  });

  it('should compare bodies as bytes whatever their encoding', () => {
    const fromBase64 = decodeBody(Buffer.from('hello').toString('base64'), 'base64');
    expect(contentHash({ ...base, body: fromBase64 })).toBe(contentHash(base));
  });

  it.each([
    ['topic', { topic: 'other' }],
    ['tag', { tag: null }],
    ['keys', { keys: ['k2'] }],
    ['properties', { properties: { a: '1' } }],
    ['messageGroup', { messageGroup: 'g' }],
    ['deliverAt', { deliverAt: new Date(0) }],
    ['body', { body: Buffer.from('hellO') }],
  ])('should change when %s changes', (_field, change) => {
    expect(contentHash({ ...base, ...change })).not.toBe(contentHash(base));
  });
});

describe(decodeBody.name, () => {
  it('should decode utf8 by default', () => {
    expect(decodeBody('héllo').toString('utf8')).toBe('héllo');
  });

  it('should refuse malformed base64 with a field error', () => {
    expect(() => decodeBody('not base64!', 'base64')).toThrow(ValidationFailedError);
    expect(() => decodeBody('abc', 'base64')).toThrow(ValidationFailedError);
  });
});
