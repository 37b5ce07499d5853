import { ErrorBody, MessageView } from '../libs/contracts/src';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { call } from './support/http';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';

type Answer = MessageView & Partial<ErrorBody>;

describe('Rate limit per producer (e2e, MariaDB)', () => {
  let t: TestApp;
  let producer: TestProducer;
  let other: TestProducer;

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api', RATE_LIMIT_PER_SECOND: '20' });
    producer = await registerProducer(t);
    other = await registerProducer(t);
  });

  afterAll(async () => {
    await deleteMessagesOf(t, [producer.id, other.id]);
    await t.close();
  });

  const prepare = (p: TestProducer) =>
    fetch(`${t.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(aPrepareRequest()),
    }).then(async (r) => ({
      status: r.status,
      retryAfter: r.headers.get('retry-after'),
      body: (await r.json()) as Answer,
    }));

  it('should answer a burst over the limit with 429 and Retry-After, never 5xx, and store every 201', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, () => prepare(producer)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    const created = results.filter((r) => r.status === 201);
    const limited = results.filter((r) => r.status === 429);
    expect(created.length + limited.length).toBe(100);
    // The burst is one second's worth (20), plus what refills while the burst is answered.
    expect(created.length).toBeGreaterThanOrEqual(20);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) {
      expect(r.body.code).toBe('RATE_LIMITED');
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    for (const r of created) {
      const stored = await call<Answer>(t.baseUrl, 'GET', `/v1/messages/${r.body.id}`, {
        token: producer.apiKey,
      });
      expect(stored.status).toBe(200);
    }
    // Another producer has its own budget.
    expect((await prepare(other)).status).toBe(201);
  });

  it('should count every message of a batch', async () => {
    const fresh = await registerProducer(t);
    const batch = (n: number) =>
      call<Answer>(t.baseUrl, 'POST', '/v1/messages/batch', {
        token: fresh.apiKey,
        json: { messages: Array.from({ length: n }, () => aPrepareRequest()) },
      });
    expect((await batch(15)).status).toBe(200);
    const over = await batch(15);
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('RATE_LIMITED');
    await deleteMessagesOf(t, [fresh.id]);
  });

  it('should not charge more than a valid batch holds for a batch that validation refuses', async () => {
    const fresh = await registerProducer(t);
    const huge = await call<Answer>(t.baseUrl, 'POST', '/v1/messages/batch', {
      token: fresh.apiKey,
      json: { messages: Array.from({ length: 50_000 }, () => 0) },
    });
    expect(huge.status).toBe(400);
    // One second's worth (20) later, the producer may send again: no debt of 50,000 messages.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await prepare(fresh)).status).toBe(201);
    await deleteMessagesOf(t, [fresh.id]);
  });
});
