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
    // Replays compare against hashes written by earlier versions: SHA-256 of the canonical
    // header, a newline, then the body bytes.
    expect(contentHash(base)).toBe(
      '2b3a99da9c91e4b4a759beb70e35269c947ed4abe6b3f84075bb2c74aa42e24d',
    );
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
