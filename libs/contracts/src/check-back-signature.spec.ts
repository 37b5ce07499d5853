import { createHmac } from 'node:crypto';
import { signCheckBack, verifyCheckBack } from './check-back-signature';

describe(signCheckBack.name, () => {
  it('should be v1= and the hex HMAC-SHA256 of timestamp, method and target', () => {
    const mac = createHmac('sha256', 's3cret')
      .update('1700000000000\nGET\n/log?msgLogId=a%20b')
      .digest('hex');
    expect(signCheckBack('s3cret', 1700000000000, 'get', '/log?msgLogId=a%20b')).toBe(`v1=${mac}`);
  });
});

describe(verifyCheckBack.name, () => {
  const now = 1_700_000_000_000;
  const target = '/msg-log?msgLogId=o-1&messageId=01ARZ&topic=orders';
  const signed = (overrides: Partial<Parameters<typeof verifyCheckBack>[0]> = {}) =>
    verifyCheckBack({
      secret: 'k',
      method: 'GET',
      target,
      timestamp: String(now),
      signature: signCheckBack('k', now, 'GET', target),
      now,
      ...overrides,
    });

  it('should accept a fresh, correct signature', () => {
    expect(signed()).toEqual({ ok: true });
  });

  it('should refuse a wrong secret, another target or another method', () => {
    expect(signed({ secret: 'other' })).toEqual({ ok: false, reason: 'bad signature' });
    expect(signed({ target: `${target}&x=1` })).toEqual({ ok: false, reason: 'bad signature' });
    expect(signed({ method: 'POST' })).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('should refuse timestamps outside the replay window and malformed headers', () => {
    expect(signed({ now: now + 5 * 60 * 1000 + 1 })).toEqual({
      ok: false,
      reason: 'stale timestamp',
    });
    expect(signed({ now: now - 5 * 60 * 1000 - 1 })).toEqual({
      ok: false,
      reason: 'stale timestamp',
    });
    expect(signed({ timestamp: 'yesterday' })).toEqual({ ok: false, reason: 'bad timestamp' });
    expect(signed({ signature: undefined })).toEqual({ ok: false, reason: 'missing headers' });
  });
});
