import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { aPrepareRequest } from './factories/message.factory';
import { BusinessStub } from './support/business-stub';
import { ProducerClient, timelineOf } from './support/messages-api';
import { registerProducer, startTestApp, TestApp } from './support/test-app';
import { TEST_MQ_REDIS_URL } from './support/test-env';
import { sleep, waitFor } from './support/wait';

const RETRY_BASE_MS = 400;

describe('Check-back (e2e, real HTTP business stub)', () => {
  let stub: BusinessStub;
  let t: TestApp;
  let client: ProducerClient;
  let producerId: string;
  let redis: Redis;
  const topic = `cb-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    stub = new BusinessStub();
    await stub.start();
    t = await startTestApp({
      CHECK_BACK_DELAY_MS: '1000',
      CHECK_BACK_GIVE_UP_MS: '3000',
      CHECK_BACK_TIMEOUT_MS: '300',
      CHECK_BACK_CONCURRENCY: '5',
      RETRY_BASE_MS: String(RETRY_BASE_MS),
      RETRY_MAX_MS: '5000',
      SWEEP_INTERVAL_MS: '100',
    });
    const producer = await registerProducer(t, {
      checkBackUrl: `${stub.url}/msg-log`,
      allowedCheckBackOrigins: ['http://other-origin.local:8080'],
    });
    stub.trust(producer.id, producer.signingSecret);
    producerId = producer.id;
    client = new ProducerClient(t.baseUrl, producer.apiKey);
    redis = new Redis(TEST_MQ_REDIS_URL);
  });

  afterEach(() => {
    // every request the stub saw carried a valid signature
    expect(stub.badSignatures).toEqual([]);
  });

  afterAll(async () => {
    await redis.quit();
    await t.close();
    await stub.stop();
  });

  const inStream = async (messageId: string) =>
    (await redis.xrange(`rms:${topic}`, '-', '+')).filter(([, fields]) =>
      fields[fields.indexOf('properties') + 1].includes(messageId),
    ).length;

  const prepareAnswered = async (behaviour: Parameters<BusinessStub['answer']>[1]) => {
    const request = aPrepareRequest({ topic });
    stub.answer(request.msgLogId, behaviour);
    const { body } = await client.prepare(request);
    return { id: body.id, msgLogId: request.msgLogId };
  };

  it('should deliver a message that was never confirmed when the business answers COMMITTED', async () => {
    const { id, msgLogId } = await prepareAnswered({ answer: 'COMMITTED' });
    const sent = await client.until(id, ['SENT']);
    expect(sent.checkBackCount).toBe(1);
    expect(await inStream(id)).toBe(1);
    const [request] = stub.requestsFor(msgLogId);
    expect(request).toMatchObject({ producer: producerId, path: '/msg-log', messageId: id, topic });
    // not before the check-back delay
    expect(request.at - Date.parse(sent.createdAt)).toBeGreaterThanOrEqual(1000);
    const events = await timelineOf(t, id);
    expect(events.map((e) => e.type)).toEqual([
      'PREPARED',
      'CHECK_BACK',
      'CONFIRMED',
      'DELIVERY_ATTEMPT',
      'SENT',
    ]);
    expect(events[1].detail).toMatchObject({ attempt: 1, httpStatus: 200, answer: 'COMMITTED' });
    expect(events[1].detail?.latencyMs).toEqual(expect.any(Number));
  });

  it.each([
    ['ROLLED_BACK', { answer: 'ROLLED_BACK' as const }],
    ['409', { status: 409 }],
  ])('should cancel and never deliver when the business answers %s', async (_name, behaviour) => {
    const { id } = await prepareAnswered(behaviour);
    const cancelled = await client.until(id, ['CANCELLED', 'SENT']);
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.failMsg).toContain('rolled back');
    await sleep(300);
    expect(await inStream(id)).toBe(0);
    expect((await timelineOf(t, id)).map((e) => e.type)).toEqual([
      'PREPARED',
      'CHECK_BACK',
      'CANCELLED',
    ]);
  });

  it('should retry UNKNOWN and cancel it with the reason once the give-up window has passed', async () => {
    const { id, msgLogId } = await prepareAnswered({ answer: 'UNKNOWN' });
    const cancelled = await client.until(id, ['CANCELLED', 'SENT'], 15_000);
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.failMsg).toMatch(
      /^not found: the business still answered UNKNOWN .* give-up window of 3 s$/,
    );
    expect(cancelled.checkBackCount).toBeGreaterThan(1);
    expect(stub.requestsFor(msgLogId).length).toBe(cancelled.checkBackCount);
    const last = stub.requestsFor(msgLogId).at(-1)!;
    expect(last.at - Date.parse(cancelled.createdAt)).toBeGreaterThanOrEqual(3000);
  });

  it.each([
    ['500s', { status: 500, body: 'boom' }],
    ['timeouts', { hang: true as const }],
    ['a 200 whose body is ok', { status: 200, body: 'ok' }],
  ])('should keep retrying with growing gaps and never decide on %s', async (_name, behaviour) => {
    const { id, msgLogId } = await prepareAnswered(behaviour);
    await waitFor(() => stub.requestsFor(msgLogId).length >= 4, '4 check-backs', 15_000);
    const message = (await client.get(id)).body;
    expect(message.status).toBe('PENDING');
    expect(message.checkBackCount).toBeGreaterThanOrEqual(3);
    expect(message.failMsg).toMatch(/^check-back failed: /);
    expect(await inStream(id)).toBe(0);

    const times = stub.requestsFor(msgLogId).map((r) => r.at);
    const gaps = times.slice(1).map((at, i) => at - times[i]);
    expect(gaps[1]).toBeGreaterThan(gaps[0]);
    expect(gaps[2]).toBeGreaterThan(gaps[1]);
    expect(gaps[0]).toBeGreaterThanOrEqual(RETRY_BASE_MS * 0.8);
    const checkBacks = (await timelineOf(t, id)).filter((e) => e.type === 'CHECK_BACK');
    expect(checkBacks[0].detail).toMatchObject({ attempt: 1, error: expect.any(String) });
  });

  it('should check back at the per-message msgLogUrl when one was given', async () => {
    const request = aPrepareRequest({ topic, msgLogUrl: `${stub.url}/tenant-7/log?tenant=7` });
    stub.answer(request.msgLogId, { answer: 'COMMITTED' });
    const { body } = await client.prepare(request);
    await client.until(body.id, ['SENT']);
    expect(stub.requestsFor(request.msgLogId)[0].path).toBe('/tenant-7/log');
  });

  it('should refuse a msgLogUrl on an origin the producer did not allow', async () => {
    const res = await client.prepare(aPrepareRequest({ msgLogUrl: 'http://127.0.0.2:1/steal' }));
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ field: 'msgLogUrl', message: expect.any(String) }]);
  });

  it('should resolve 500 stale PENDING messages without ever exceeding 5 concurrent check-backs', async () => {
    // This producer's own timeout: the suite's 300 ms is for the timeout tests, and a loaded
    // machine can make a 20 ms answer late.
    const bulk = await registerProducer(t, {
      checkBackUrl: `${stub.url}/bulk`,
      policy: { checkBackTimeoutMs: 5_000 },
    });
    stub.trust(bulk.id, bulk.signingSecret);
    const bulkClient = new ProducerClient(t.baseUrl, bulk.apiKey);
    stub.delayMs = 20;
    stub.fallback = { answer: 'COMMITTED' };
    try {
      const ids: string[] = [];
      for (let i = 0; i < 500; i += 25) {
        const batch = await Promise.all(
          Array.from({ length: 25 }, () => bulkClient.prepare(aPrepareRequest({ topic }))),
        );
        ids.push(...batch.map((r) => r.body.id));
      }
      await waitFor(
        async () => {
          const views = await Promise.all(ids.map((id) => bulkClient.get(id)));
          return views.every((v) => v.body.status === 'SENT');
        },
        'all 500 messages to be SENT',
        60_000,
        500,
      );
      // Every message was checked back; one is checked again only after its check failed (on a
      // loaded machine a call can outlast the 300 ms timeout), never twice at once.
      const requests = stub.requests.filter((r) => r.producer === bulk.id);
      const perMessage = new Map<string, number>();
      for (const r of requests) perMessage.set(r.messageId, (perMessage.get(r.messageId) ?? 0) + 1);
      expect(perMessage.size).toBe(500);
      for (const [id, n] of perMessage) {
        if (n === 1) continue;
        const checks = (await timelineOf(t, id)).filter((e) => e.type === 'CHECK_BACK');
        expect(checks.filter((e) => e.detail?.error !== undefined)).toHaveLength(n - 1);
      }
      expect(stub.peakConcurrency.get(bulk.id)).toBe(5);
    } finally {
      stub.delayMs = 0;
      stub.fallback = { answer: 'UNKNOWN' };
    }
  });
});
