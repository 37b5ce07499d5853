import { ErrorBody, MessageView } from '../libs/contracts/src';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { call } from './support/http';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';

type Answer = MessageView & Partial<ErrorBody>;

/**
 * Concurrent prepares share one transaction (group commit): one producer's large writes must not
 * fail another's, nor a group exceed what one statement may carry (max_allowed_packet).
 */
describe('Group commit isolation (e2e, MariaDB)', () => {
  let t: TestApp;
  let producer: TestProducer;

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api', MAX_BODY_BYTES: String(4 * 1024 * 1024) });
    producer = await registerProducer(t);
  });

  afterAll(async () => {
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
  });

  const prepare = (json: unknown) =>
    call<Answer>(t.baseUrl, 'POST', '/v1/messages', { token: producer.apiKey, json });

  it('should store 64 concurrent prepares of 256 KiB each, a group larger than one packet', async () => {
    const body = Buffer.alloc(256 * 1024, 0xab).toString('base64');
    const results = await Promise.all(
      Array.from({ length: 64 }, () => prepare(aPrepareRequest({ body, bodyEncoding: 'base64' }))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(64).fill(201));
    const stored = await call<Answer>(
      t.baseUrl,
      'GET',
      `/v1/messages/${results[63].body.id}?withBody=true`,
      { token: producer.apiKey },
    );
    expect((stored.body as { body?: string }).body).toBe(body);
  });

  it('should store a batch of 10 messages of 2 MiB: 40 MiB as SQL, over the 16 MiB packet', async () => {
    const body = 'x'.repeat(2 * 1024 * 1024);
    const res = await call<{ items: { statusCode: number }[] }>(
      t.baseUrl,
      'POST',
      '/v1/messages/batch',
      {
        token: producer.apiKey,
        json: { messages: Array.from({ length: 10 }, () => aPrepareRequest({ body })) },
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.items.map((i) => i.statusCode)).toEqual(Array(10).fill(201));
  });
});
