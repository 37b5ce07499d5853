import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { AlertService } from '../apps/message-service/src/alerts/alert.service';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { call } from './support/http';
import { ProducerClient, timelineOf } from './support/messages-api';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';
import { TEST_MQ_REDIS_URL } from './support/test-env';
import { sleep, waitFor } from './support/wait';

const ADMIN = 'test-admin-token-0123456789';
const GRACE_MS = 1500;

interface Row {
  consumerGroup: string;
  producerId: string;
  topic: string;
  sent: number;
  maxSentSeq: number;
  consumedWatermark: number;
  consumed: number;
  failed: number;
  missing: { total: number; items: { seq: number; messageId: string; msgLogId: string }[] };
}

describe('Receipts and reconciliation (e2e, MariaDB + Redis)', () => {
  let t: TestApp;
  let producer: TestProducer;
  let client: ProducerClient;
  const redis = new Redis(TEST_MQ_REDIS_URL);
  const topic = `paid-${randomBytes(4).toString('hex')}`;
  const group = `points-${randomBytes(4).toString('hex')}`;
  let groupKey: string;
  /** Message ids by seq (1..10). */
  const bySeq = new Map<number, string>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read loosely here
  const as = <T = any>(token: string, method: string, path: string, json?: unknown) =>
    call<T>(t.baseUrl, method, path, { token, json });
  const receipts = (ranges: unknown[], token = groupKey, forTopic = topic) =>
    as(token, 'POST', '/v1/receipts', { topic: forTopic, producerId: producer.id, ranges });
  const reconciliation = async (consumerGroup = group): Promise<Row> => {
    const res = await as<{ items: Row[] }>(
      ADMIN,
      'GET',
      `/v1/admin/reconciliation?consumerGroup=${consumerGroup}&topic=${topic}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    return res.body.items[0];
  };
  const inStream = async (id: string) =>
    (await redis.xrange(`rms:${topic}`, '-', '+')).filter(([, f]) =>
      f[f.indexOf('properties') + 1].includes(id),
    ).length;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILE_GRACE_MS: String(GRACE_MS) });
    producer = await registerProducer(t);
    client = new ProducerClient(t.baseUrl, producer.apiKey);
    const registered = await as(ADMIN, 'POST', '/v1/admin/consumer-groups', {
      id: group,
      topics: [topic],
    });
    expect(registered.status).toBe(201);
    expect(registered.body.apiKey).toMatch(/^rmsc_/);
    groupKey = registered.body.apiKey as string;
    const batch = await as(producer.apiKey, 'POST', '/v1/messages/batch', {
      messages: Array.from({ length: 10 }, () => aPrepareRequest({ topic, confirmed: true })),
    });
    for (const item of batch.body.items as { message: { id: string } }[]) {
      const sent = await client.until(item.message.id, ['SENT']);
      bySeq.set(sent.seq!, sent.id);
    }
    expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  afterAll(async () => {
    redis.disconnect();
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
  });

  it('should store the union of overlapping, out-of-order and repeated receipts', async () => {
    expect(
      (
        await receipts([
          [1, 3],
          [5, 6],
        ])
      ).body,
    ).toEqual({ watermark: 3, ranges: [[5, 6]] });
    expect((await receipts([[2, 4]])).body).toEqual({ watermark: 6, ranges: [] });
    expect(
      (
        await receipts([
          [8, 8],
          [7, 7],
        ])
      ).body,
    ).toEqual({ watermark: 8, ranges: [] });
    const repeated = await receipts([
      [1, 3],
      [8, 8],
    ]);
    expect(repeated).toEqual({ status: 200, body: { watermark: 8, ranges: [] } });
  });

  it('should show what the group never reported as missing after the grace, with seq and id', async () => {
    await sleep(GRACE_MS + 100);
    const row = await reconciliation();
    expect(row).toMatchObject({
      producerId: producer.id,
      topic,
      sent: 10,
      maxSentSeq: 10,
      consumedWatermark: 8,
      consumed: 8,
      failed: 0,
    });
    expect(row.missing.total).toBe(2);
    expect(row.missing.items.map((m) => [m.seq, m.messageId])).toEqual([
      [9, bySeq.get(9)],
      [10, bySeq.get(10)],
    ]);
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toContain(
      `rms_unconsumed_messages{group="${group}",producer="${producer.id}",topic="${topic}"} 2`,
    );
    expect(text).toContain(
      `rms_consumer_watermark{group="${group}",producer="${producer.id}",topic="${topic}"} 8`,
    );
  });

  it('should raise UNCONSUMED_MESSAGES once the missing ones stay unconsumed', async () => {
    const raise = jest.spyOn(t.app.get(AlertService), 'raise');
    const ours = () =>
      raise.mock.calls
        .map(([a]) => a)
        .find((a) => 'consumerGroup' in a && a.consumerGroup === group);
    const alert = await waitFor(ours, 'the UNCONSUMED_MESSAGES alert', 10_000, 100);
    expect(alert).toMatchObject({
      type: 'UNCONSUMED_MESSAGES',
      producerId: producer.id,
      topic,
      missing: 2,
      firstMissingSeq: 9,
      firstMissingMessageId: bySeq.get(9),
    });
    expect((alert as { oldestMissingAgeMs: number }).oldestMissingAgeMs).toBeGreaterThanOrEqual(
      2 * GRACE_MS,
    );
    raise.mockRestore();
  });

  it('should resend the missing messages, naming the actor, and then count them as consumed', async () => {
    const res = await call(t.baseUrl, 'POST', '/v1/admin/reconciliation/resend', {
      token: ADMIN,
      json: { topic, producerId: producer.id, consumerGroup: group },
      headers: { 'x-rms-actor': 'ops-anna' },
    });
    expect(res).toEqual({ status: 200, body: { count: 2, remaining: 0 } });
    for (const seq of [9, 10]) {
      const id = bySeq.get(seq)!;
      await waitFor(async () => (await inStream(id)) === 2, `message ${seq} delivered again`);
      const sent = await client.until(id, ['SENT']);
      expect(sent.seq).toBe(seq);
      const resent = (await timelineOf(t, id)).find((e) => e.type === 'RESENT');
      expect(resent?.detail).toMatchObject({ actor: 'admin:ops-anna' });
    }
    expect((await receipts([[9, 10]])).body).toEqual({ watermark: 10, ranges: [] });
    const row = await reconciliation();
    expect(row).toMatchObject({ consumedWatermark: 10, consumed: 10, missing: { total: 0 } });
  });

  it('should not count messages sent before a group was registered', async () => {
    const late = `late-${randomBytes(4).toString('hex')}`;
    await as(ADMIN, 'POST', '/v1/admin/consumer-groups', { id: late, topics: [topic] });
    await sleep(GRACE_MS + 100);
    expect((await reconciliation(late)).missing.total).toBe(0);
  });

  it('should keep the keys apart: a group key reads no admin route, a producer key posts no receipts', async () => {
    expect((await as(groupKey, 'GET', '/v1/admin/reconciliation')).status).toBe(401);
    expect((await as(groupKey, 'GET', '/v1/admin/messages')).status).toBe(401);
    expect((await as(groupKey, 'POST', '/v1/messages', aPrepareRequest({ topic }))).status).toBe(
      401,
    );
    expect((await receipts([[1, 1]], producer.apiKey)).status).toBe(401);
    expect((await receipts([[1, 1]], ADMIN)).status).toBe(401);
    expect((await receipts([[1, 1]], 'rmsc_not-a-key')).status).toBe(401);
  });

  it('should refuse receipts for a topic the group is not registered for, and bad ranges', async () => {
    const other = await receipts([[1, 1]], groupKey, 'another-topic');
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ code: 'FORBIDDEN' });
    for (const ranges of [[[3, 2]], [[0, 1]], [[1]], [['1', 2]], [], [[1.5, 2]]]) {
      const res = await receipts(ranges);
      expect({ ranges, status: res.status, code: res.body.code }).toEqual({
        ranges,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
  });
});
