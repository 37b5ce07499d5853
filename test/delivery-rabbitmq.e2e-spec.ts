import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { call } from './support/http';
import { ProducerClient } from './support/messages-api';
import { RabbitAdmin, restartBroker, suiteExchange } from './support/rabbitmq';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';
import { waitFor } from './support/wait';

const EXCHANGE = suiteExchange('delivery');
/** Enough to ride out the broker restart (about 2 s), few enough for the unroutable test. */
const MAX_ATTEMPTS = 8;

describe('Delivery to RabbitMQ (e2e, the real broker)', () => {
  let t: TestApp;
  let producer: TestProducer;
  let admin: RabbitAdmin;
  const queues: string[] = [];

  beforeAll(async () => {
    admin = await new RabbitAdmin().open();
    t = await startTestApp({
      MQ_DRIVER: 'rabbitmq',
      RABBITMQ_EXCHANGE: EXCHANGE,
      RETRY_BASE_MS: '100',
      RETRY_MAX_MS: '1000',
      DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      CLAIM_TIMEOUT_MS: '3000',
    });
    producer = await registerProducer(t);
  });

  afterAll(async () => {
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
    await admin.deleteAll(EXCHANGE, queues);
    await admin.close();
  });

  const topic = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

  /** Prepares `n` confirmed messages in batches of 100; the stored ids in order. */
  const publish = async (to: string, n: number, from = 0): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = from; i < from + n; i += 100) {
      const messages = Array.from({ length: Math.min(100, from + n - i) }, (_, j) =>
        aPrepareRequest({
          topic: to,
          confirmed: true,
          body: `m-${i + j}`,
          properties: { region: 'eu', n: String(i + j) },
        }),
      );
      const res = await call<{ items: { message: { id: string } }[] }>(
        t.baseUrl,
        'POST',
        '/v1/messages/batch',
        { token: producer.apiKey, json: { messages } },
      );
      expect(res.status).toBe(200);
      ids.push(...res.body.items.map((item) => item.message.id));
    }
    return ids;
  };

  const statusCounts = async (to: string): Promise<Record<number, number>> => {
    const rows = await t.app
      .get(DataSource)
      .query<{ status: number; n: string }[]>(
        'SELECT status, COUNT(*) AS n FROM messages WHERE producer_id = ? AND topic = ? GROUP BY status',
        [producer.id, to],
      );
    return Object.fromEntries(rows.map((r) => [Number(r.status), Number(r.n)]));
  };

  it('should publish 1,000 messages persistent, with their ids and headers, and call them SENT', async () => {
    const to = topic('orders');
    const queue = await admin.bind(EXCHANGE, to);
    queues.push(queue);
    const ids = await publish(to, 1000);
    await waitFor(async () => (await statusCounts(to))[1] === 1000, '1,000 SENT', 60_000, 200);

    const got = await admin.drain(queue);
    expect(got).toHaveLength(1000);
    expect(got.map((m) => m.properties.messageId as string).sort()).toEqual([...ids].sort());
    const first = got.find((m) => m.properties.messageId === ids[0])!;
    expect(first.properties.deliveryMode).toBe(2);
    expect(first.fields.exchange).toBe(EXCHANGE);
    expect(first.fields.routingKey).toBe(to);
    expect(first.content.toString()).toBe('m-0');
    expect(first.properties.headers).toMatchObject({
      'rms-message-id': ids[0],
      'rms-producer': producer.id,
      'rms-seq': '1',
      'rms-topic': to,
      'rms-tag': 'created',
      region: 'eu',
      n: '0',
    });
    // The keys: the msgLogId, the message id, then the producer's.
    const keys = JSON.parse(String(first.properties.headers!['rms-keys'])) as string[];
    expect(keys.slice(1)).toEqual([ids[0], 'order-1']);
    expect(got.every((m) => m.properties.deliveryMode === 2)).toBe(true);
    // The receipt is the broker's ack: the message id is what the service recorded.
    const client = new ProducerClient(t.baseUrl, producer.apiKey);
    const { body } = await client.get(ids[0]);
    expect(body).toMatchObject({ status: 'SENT', mqMessageId: ids[0] });
  }, 90_000);

  it('should never call SENT a message no queue is bound for: retries, then FAILED', async () => {
    const to = topic('nobody-listens');
    const [id] = await publish(to, 1);
    const client = new ProducerClient(t.baseUrl, producer.apiKey);
    const failed = await client.until(id, ['FAILED', 'SENT'], 30_000);
    expect(failed.status).toBe('FAILED');
    expect(failed.failMsg).toContain('rabbitmq returned the message (312 NO_ROUTE)');
    const { body } = await call<{ events: { type: string }[] }>(
      t.baseUrl,
      'GET',
      `/v1/admin/messages/${id}`,
      { token: 'test-admin-token-0123456789' },
    );
    expect(body.events.filter((e) => e.type === 'DELIVERY_ATTEMPT')).toHaveLength(MAX_ATTEMPTS);
  });

  it('should deliver every confirmed message when the broker restarts mid-burst (stop_app, start_app)', async () => {
    const to = topic('restart');
    const queue = await admin.bind(EXCHANGE, to);
    queues.push(queue);
    // Batches go on before, during and after the restart, 100 at a time.
    let restarted = false;
    const burst = (async () => {
      const ids: string[] = [];
      for (let after = 0; after < 5; after += restarted ? 1 : 0) {
        ids.push(...(await publish(to, 100, ids.length)));
      }
      return ids;
    })();
    try {
      await waitFor(async () => ((await statusCounts(to))[1] ?? 0) >= 300, 'the first sends');
      await restartBroker(1000);
    } finally {
      restarted = true; // the burst ends, whatever happened
    }
    const ids = await burst;
    await waitFor(
      async () => (await statusCounts(to))[1] === ids.length,
      `${ids.length} SENT`,
      90_000,
      250,
    );

    await admin.reopen();
    const got = await admin.drain(queue);
    const arrived = new Set(got.map((m) => m.properties.messageId as string));
    // At least once: a send whose ack the restart cut off is sent again, and may arrive twice.
    expect([...ids].filter((id) => !arrived.has(id))).toEqual([]);
    expect(await statusCounts(to)).toEqual({ 1: ids.length });
    // The restart did cut sends off: some needed more than one attempt.
    const [retried] = await t.app
      .get(DataSource)
      .query<{ n: string }[]>(
        'SELECT COUNT(*) AS n FROM messages WHERE producer_id = ? AND topic = ? AND delivery_attempts > 1',
        [producer.id, to],
      );
    expect(Number(retried.n)).toBeGreaterThan(0);
  }, 150_000);
});
