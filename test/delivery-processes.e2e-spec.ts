import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { aPrepareRequest } from './factories/message.factory';
import { ProducerClient } from './support/messages-api';
import { RocketMqEmulator } from './support/rocketmq-emulator';
import { ServiceProcess } from './support/service-process';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';
import { TEST_MQ_REDIS_URL } from './support/test-env';
import { waitFor } from './support/wait';

/** Runs `task` over `items` with at most `limit` at a time. */
async function pool<T, R>(
  items: T[],
  limit: number,
  task: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i], i);
      }
    }),
  );
  return results;
}

describe('Delivery across service processes (e2e)', () => {
  // An API-only instance in the test process: it registers producers and reads the database; it
  // runs no worker, so every delivery below is made by the service processes.
  let t: TestApp;
  let producer: TestProducer;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
    producer = await registerProducer(t);
  });

  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.kill()));
  });

  afterAll(async () => {
    await t.close();
  });

  const countByStatus = async (status: number) => {
    const [row] = await t.app
      .get<DataSource>(getDataSourceToken())
      .query<{ n: number | string }[]>(
        'SELECT COUNT(*) AS n FROM messages WHERE producer_id = ? AND status = ?',
        [producer.id, status],
      );
    return Number(row.n);
  };

  it('should send a message after a restart when the service was killed between confirm and send', async () => {
    const emulator = new RocketMqEmulator();
    await emulator.start();
    try {
      const env = {
        MQ_DRIVER: 'rocketmq',
        ROCKETMQ_ENDPOINTS: emulator.endpoints,
        CLAIM_TIMEOUT_MS: '2000',
        SWEEP_INTERVAL_MS: '200',
      };
      const first = await ServiceProcess.start(env);
      services.push(first);
      const client = new ProducerClient(first.baseUrl, producer.apiKey);
      emulator.stall();
      const { body } = await client.prepare(aPrepareRequest({ topic: 'crash-topic' }));
      expect((await client.confirm(body.id)).status).toBe(200);
      await waitFor(() => emulator.sendAttempts.length > 0, 'the send to reach the broker');
      await first.kill();
      expect((await new ProducerClient(t.baseUrl, producer.apiKey).get(body.id)).body.status).toBe(
        'CONFIRMED',
      );

      emulator.recover();
      const second = await ServiceProcess.start(env);
      services.push(second);
      const sent = await new ProducerClient(second.baseUrl, producer.apiKey).until(
        body.id,
        ['SENT'],
        20_000,
      );
      expect(sent.deliveryAttempts).toBe(2);
      expect(emulator.byRmsId(body.id)).toHaveLength(1);
    } finally {
      await Promise.all(services.splice(0).map((s) => s.kill()));
      await emulator.stop();
    }
  });

  it('should send each of 1,000 messages exactly once with two instances racing', async () => {
    const topic = `race-${randomBytes(4).toString('hex')}`;
    const env = { SWEEP_INTERVAL_MS: '200' };
    const [a, b] = await Promise.all([ServiceProcess.start(env), ServiceProcess.start(env)]);
    services.push(a, b);
    const clients = [
      new ProducerClient(a.baseUrl, producer.apiKey),
      new ProducerClient(b.baseUrl, producer.apiKey),
    ];
    const sentBefore = await countByStatus(1);

    // Half are prepared as confirmed; half are prepared, then confirmed through the other
    // instance. Each instance delivers what it confirmed while both sweeps race for due rows.
    const ids = await pool(Array.from({ length: 1000 }), 16, async (_, i) => {
      const client = clients[i % 2];
      if (i < 500)
        return (await client.prepare(aPrepareRequest({ topic, confirmed: true }))).body.id;
      const { body } = await client.prepare(aPrepareRequest({ topic }));
      expect((await clients[(i + 1) % 2].confirm(body.id)).status).toBe(200);
      return body.id;
    });

    await waitFor(
      async () => (await countByStatus(1)) - sentBefore === 1000,
      'all 1,000 messages to be SENT',
      60_000,
      200,
    );
    const redis = new Redis(TEST_MQ_REDIS_URL);
    const entries = await redis.xrange(`rms:${topic}`, '-', '+');
    await redis.quit();
    const rmsIds = entries
      .map(
        ([, fields]) =>
          JSON.parse(fields[fields.indexOf('properties') + 1]) as Record<string, string>,
      )
      .map((p) => p['rms-message-id']);
    expect(entries).toHaveLength(1000);
    expect(new Set(rmsIds).size).toBe(1000);
    expect([...rmsIds].sort()).toEqual([...ids].sort());
    const seqs = entries.map(([, fields]) =>
      Number(
        (JSON.parse(fields[fields.indexOf('properties') + 1]) as Record<string, string>)['rms-seq'],
      ),
    );
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });
});
