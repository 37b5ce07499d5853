import { randomBytes } from 'node:crypto';
import { MetricsService } from '../apps/message-service/src/metrics/metrics.service';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { call } from './support/http';
import { ProducerClient, timelineOf } from './support/messages-api';
import { RocketMqEmulator } from './support/rocketmq-emulator';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';
import { waitFor } from './support/wait';

const ADMIN = 'test-admin-token-0123456789';

describe('Per-group FIFO under retries (e2e, RocketMQ emulator)', () => {
  let emulator: RocketMqEmulator;
  let t: TestApp;
  let producer: TestProducer;
  let client: ProducerClient;

  beforeAll(async () => {
    emulator = new RocketMqEmulator();
    await emulator.start();
    t = await startTestApp({
      MQ_DRIVER: 'rocketmq',
      ROCKETMQ_ENDPOINTS: emulator.endpoints,
      RETRY_BASE_MS: '300',
      RETRY_MAX_MS: '2000',
      DELIVERY_MAX_ATTEMPTS: '3',
      SWEEP_INTERVAL_MS: '200',
      CLAIM_TIMEOUT_MS: '4000',
    });
    producer = await registerProducer(t);
    client = new ProducerClient(t.baseUrl, producer.apiKey);
  });

  afterEach(() => emulator.recover());

  afterAll(async () => {
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
    await emulator.stop();
  });

  const topic = () => `fifo-${randomBytes(4).toString('hex')}`;
  /** The rms ids the broker stored for a topic, in the order they arrived. */
  const arrivals = (name: string) =>
    emulator.messages.filter((m) => m.topic === name).map((m) => m.properties['rms-message-id']);
  /** Prepares messages and confirms them one after another: the confirm order. */
  async function confirmInOrder(
    requests: Parameters<ProducerClient['prepare']>[0][],
    beforeConfirm: (ids: string[]) => void = () => undefined,
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const r of requests) ids.push((await client.prepare(r)).body.id);
    beforeConfirm(ids);
    for (const id of ids) expect((await client.confirm(id)).status).toBe(200);
    return ids;
  }

  it('should deliver a group in confirm order while its head is rejected twice, and let ungrouped messages past', async () => {
    const name = topic();
    const grouped = Array.from({ length: 5 }, () =>
      aPrepareRequest({ topic: name, messageGroup: 'order-7' }),
    );
    const ids = await confirmInOrder(grouped, (prepared) => emulator.failSendsOf(prepared[0], 2));
    const [loose] = await confirmInOrder([aPrepareRequest({ topic: name })]);
    for (const id of [...ids, loose]) await client.until(id, ['SENT']);

    const order = arrivals(name);
    expect(order.filter((id) => ids.includes(id))).toEqual(ids);
    expect(order.indexOf(loose)).toBeLessThan(order.indexOf(ids[0]));
    const attempts = (await timelineOf(t, ids[0])).filter((e) => e.type === 'DELIVERY_ATTEMPT');
    expect(attempts.map((e) => (e.detail as { ok: boolean }).ok)).toEqual([false, false, true]);
  });

  it('should keep each group in order for a batch call too', async () => {
    const name = topic();
    const messages = Array.from({ length: 60 }, (_, i) =>
      aPrepareRequest({ topic: name, messageGroup: `g-${i % 3}`, confirmed: true }),
    );
    emulator.failNextSends(4);
    const res = await call<{ items: { message: { id: string } }[] }>(
      t.baseUrl,
      'POST',
      '/v1/messages/batch',
      { token: producer.apiKey, json: { messages } },
    );
    const ids = res.body.items.map((i) => i.message.id);
    for (const id of ids) await client.until(id, ['SENT']);
    const order = arrivals(name);
    for (let g = 0; g < 3; g++) {
      const inGroup = ids.filter((_, i) => i % 3 === g);
      expect(order.filter((id) => inGroup.includes(id))).toEqual(inGroup);
    }
  });

  it('should hold back only the group of a FAILED head until an operator resends it, then drain it in order', async () => {
    const name = topic();
    const requests = [
      ...Array.from({ length: 4 }, () => aPrepareRequest({ topic: name, messageGroup: 'blocked' })),
      ...Array.from({ length: 3 }, () => aPrepareRequest({ topic: name, messageGroup: 'free' })),
    ];
    const ids = await confirmInOrder(requests, (prepared) =>
      emulator.failSendsOf(prepared[0], Infinity),
    );
    const [head, ...behind] = ids.slice(0, 4);
    const free = ids.slice(4);
    expect((await client.until(head, ['FAILED'])).status).toBe('FAILED');
    for (const id of free) await client.until(id, ['SENT']);
    for (const id of behind) expect((await client.get(id)).body.status).toBe('CONFIRMED');
    expect(arrivals(name).filter((id) => behind.includes(id))).toEqual([]);

    const stats = await call<{ blockedGroups: unknown[] }>(t.baseUrl, 'GET', '/v1/admin/stats', {
      token: ADMIN,
    });
    expect(stats.body.blockedGroups).toEqual(
      expect.arrayContaining([
        {
          producerId: producer.id,
          topic: name,
          messageGroup: 'blocked',
          headMessageId: head,
          waiting: 3,
        },
      ]),
    );
    const alerts = await t.app.get(MetricsService).alerts.get();
    expect(alerts.values.find((v) => v.labels.type === 'GROUP_BLOCKED')?.value).toBeGreaterThan(0);
    expect(await (await fetch(`${t.baseUrl}/metrics`)).text()).toMatch(/rms_blocked_groups [1-9]/);

    emulator.failSendsOf(head, 0);
    const resent = await call(t.baseUrl, 'POST', `/v1/admin/messages/${head}/resend`, {
      token: ADMIN,
      json: { reason: 'broker fixed' },
    });
    expect(resent.status).toBe(200);
    for (const id of [head, ...behind]) await client.until(id, ['SENT']);
    const order = arrivals(name);
    expect(order.filter((id) => [head, ...behind].includes(id))).toEqual([head, ...behind]);
    await waitFor(async () => {
      const after = await call<{ blockedGroups: { messageGroup: string }[] }>(
        t.baseUrl,
        'GET',
        '/v1/admin/stats',
        { token: ADMIN },
      );
      return !after.body.blockedGroups.some((g) => g.messageGroup === 'blocked');
    }, 'the group to be free');
  });

  it('should refuse messageGroup with deliverAt', async () => {
    const res = await client.prepare(
      aPrepareRequest({
        topic: topic(),
        messageGroup: 'g',
        deliverAt: new Date(Date.now() + 60_000).toISOString(),
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ field: 'deliverAt' })],
    });
  });
});
