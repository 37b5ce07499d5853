import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { ErrorBody, PrepareBatchResponse } from '../libs/contracts/src';
import { aPrepareRequest } from './factories/message.factory';
import { call } from './support/http';
import { deleteMessagesOf } from './support/cleanup';
import { timelineOf } from './support/messages-api';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';
import { TEST_MQ_REDIS_URL } from './support/test-env';
import { waitFor } from './support/wait';

type Answer = PrepareBatchResponse & Partial<ErrorBody>;

describe('POST /v1/messages/batch (e2e, MariaDB + Redis)', () => {
  let t: TestApp;
  let producer: TestProducer;
  let redis: Redis;

  beforeAll(async () => {
    t = await startTestApp({ MAX_BODY_BYTES: '1024', SWEEP_INTERVAL_MS: '200' });
    producer = await registerProducer(t, { checkBackUrl: 'http://business.local:8080/msg-log' });
    redis = new Redis(TEST_MQ_REDIS_URL);
  });

  afterAll(async () => {
    await deleteMessagesOf(t, [producer.id]);
    await redis.quit();
    await t.close();
  });

  const batch = (messages: unknown, token = producer.apiKey) =>
    call<Answer>(t.baseUrl, 'POST', '/v1/messages/batch', { token, json: { messages } });
  const uniqueTopic = () => `batch-${randomBytes(4).toString('hex')}`;

  it('should store 100 confirmed messages in one call and deliver each once, numbered 1..100', async () => {
    const topic = uniqueTopic();
    const requests = Array.from({ length: 100 }, (_, i) =>
      aPrepareRequest({ topic, body: `payload-${i}`, confirmed: true }),
    );
    const res = await batch(requests);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(100);
    res.body.items.forEach((item, i) => {
      expect(item.statusCode).toBe(201);
      expect(item.message!.msgLogId).toBe(requests[i].msgLogId);
      expect(['CONFIRMED', 'SENT']).toContain(item.message!.status);
    });

    const entries = await waitFor(async () => {
      const all = await redis.xrange(`rms:${topic}`, '-', '+');
      return all.length >= 100 ? all : undefined;
    }, '100 stream entries');
    expect(entries).toHaveLength(100);
    const fields = entries.map(([, raw]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i < raw.length; i += 2) f[raw[i]] = raw[i + 1];
      return f;
    });
    const props = fields.map((f) => JSON.parse(f.properties) as Record<string, string>);
    expect(new Set(props.map((p) => p['rms-message-id'])).size).toBe(100);
    expect(props.map((p) => Number(p['rms-seq'])).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    expect(fields.map((f) => f.body).sort()).toEqual(requests.map((r) => r.body).sort());
  });

  it('should answer each message on its own: stored, replayed, conflicting', async () => {
    const before = aPrepareRequest();
    const clash = aPrepareRequest();
    expect(
      (await call(t.baseUrl, 'POST', '/v1/messages', { token: producer.apiKey, json: before }))
        .status,
    ).toBe(201);
    expect(
      (await call(t.baseUrl, 'POST', '/v1/messages', { token: producer.apiKey, json: clash }))
        .status,
    ).toBe(201);
    const fresh = aPrepareRequest();

    const res = await batch([fresh, before, { ...clash, body: 'other content' }]);
    expect(res.status).toBe(200);
    const [a, b, c] = res.body.items;
    expect(a.statusCode).toBe(201);
    expect(a.message!.status).toBe('PENDING');
    expect(b.statusCode).toBe(200);
    expect(b.message!.msgLogId).toBe(before.msgLogId);
    expect(c.statusCode).toBe(409);
    expect(c.message).toBeUndefined();
    expect(c.error).toMatchObject({ statusCode: 409, code: 'MSG_LOG_ID_CONFLICT' });

    // The whole batch again is a replay of each message.
    const again = await batch([fresh, before]);
    expect(again.body.items.map((i) => [i.statusCode, i.message!.id])).toEqual([
      [200, a.message!.id],
      [200, b.message!.id],
    ]);
    expect((await timelineOf(t, a.message!.id)).map((e) => e.type)).toEqual(['PREPARED']);
  });

  it('should store each message once when the same batch races itself', async () => {
    const requests = Array.from({ length: 20 }, () => aPrepareRequest());
    const answers = await Promise.all(Array.from({ length: 5 }, () => batch(requests)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    requests.forEach((request, i) => {
      const items = answers.map((a) => a.body.items[i]);
      // One request stored it; every other one answered with that same message.
      expect(items.filter((item) => item.statusCode === 201)).toHaveLength(1);
      expect(items.every((item) => item.statusCode === 201 || item.statusCode === 200)).toBe(true);
      expect(new Set(items.map((item) => item.message!.id)).size).toBe(1);
      expect(items[0].message!.msgLogId).toBe(request.msgLogId);
    });
  });

  it('should confirm a PENDING message when a batch replays it with confirmed: true', async () => {
    const request = aPrepareRequest({ topic: uniqueTopic() });
    const first = await batch([request]);
    expect(first.body.items[0].message!.status).toBe('PENDING');
    const replay = await batch([{ ...request, confirmed: true }]);
    expect(replay.body.items[0].statusCode).toBe(200);
    expect(['CONFIRMED', 'SENT']).toContain(replay.body.items[0].message!.status);
    await waitFor(
      async () => ((await redis.xlen(`rms:${request.topic}`)) === 1 ? true : undefined),
      'the replayed message in the stream',
    );
  });

  it('should refuse the whole batch, storing nothing, when any message is invalid', async () => {
    const good = aPrepareRequest();
    const res = await batch([
      good,
      aPrepareRequest({ topic: 'not a topic!' }),
      { ...aPrepareRequest(), msgLogUrl: 'http://elsewhere.local/x' },
      { ...good, body: 'repeated msgLogId' },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details!.map((d) => d.field).sort()).toEqual(['messages.1.topic']);
    const lookup = await call(t.baseUrl, 'GET', `/v1/messages?msgLogId=${good.msgLogId}`, {
      token: producer.apiKey,
    });
    expect(lookup.status).toBe(404);

    // Once every field is valid, the service-level checks report every message at once.
    const res2 = await batch([
      good,
      { ...aPrepareRequest(), msgLogUrl: 'http://elsewhere.local/x' },
      { ...good, body: 'repeated msgLogId' },
    ]);
    expect(res2.status).toBe(400);
    expect(res2.body.details!.map((d) => d.field).sort()).toEqual([
      'messages.1.msgLogUrl',
      'messages.2.msgLogId',
    ]);
    expect(
      (
        await call(t.baseUrl, 'GET', `/v1/messages?msgLogId=${good.msgLogId}`, {
          token: producer.apiKey,
        })
      ).status,
    ).toBe(404);
  });

  it('should answer 400 naming the item for a message that is an array, not an object', async () => {
    // class-validator's nested validation lets an array through as if it were an object.
    for (const item of [[], [aPrepareRequest()]]) {
      const res = await batch([aPrepareRequest(), item]);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details).toEqual([
        { field: 'messages', message: 'messages.1 must be an object' },
      ]);
    }
  });

  it('should answer 400 for an empty or oversized batch, 413 for a body over the limit, 401 without a key', async () => {
    expect((await batch([])).status).toBe(400);
    const tooMany = await batch(Array.from({ length: 101 }, () => aPrepareRequest()));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details![0].field).toBe('messages');
    const missing = await call<Answer>(t.baseUrl, 'POST', '/v1/messages/batch', {
      token: producer.apiKey,
      json: {},
    });
    expect(missing.status).toBe(400);
    const big = await batch([aPrepareRequest(), aPrepareRequest({ body: 'x'.repeat(1025) })]);
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(big.body.message).toContain('messages.1.body');
    expect((await batch([aPrepareRequest()], 'wrong-key')).status).toBe(401);
  });
});
