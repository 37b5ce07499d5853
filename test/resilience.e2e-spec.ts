import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MessageStatus } from '../libs/contracts/src';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { ProducerClient } from './support/messages-api';
import { RedisServer } from './support/redis-server';
import { RocketMqEmulator } from './support/rocketmq-emulator';
import { freePort, ServiceProcess } from './support/service-process';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';
import { waitFor } from './support/wait';

/** Stream entries per `rms-message-id` in `rms:<topic>`. */
async function deliveries(redisUrl: string, topic: string): Promise<Map<string, number>> {
  const redis = new Redis(redisUrl);
  try {
    const counts = new Map<string, number>();
    for (const [, fields] of await redis.xrange(`rms:${topic}`, '-', '+')) {
      const id = (JSON.parse(fields[fields.indexOf('properties') + 1]) as Record<string, string>)[
        'rms-message-id'
      ];
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  } finally {
    redis.disconnect();
  }
}

describe('Resilience of service processes (e2e)', () => {
  let t: TestApp;
  let producer: TestProducer;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
    producer = await registerProducer(t);
  });

  const emulators: RocketMqEmulator[] = [];

  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.kill()));
    await Promise.all(emulators.splice(0).map((e) => e.stop()));
  });

  afterAll(async () => {
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
  });

  it('should start with Redis down, take prepares under ROLE=api, and deliver all once Redis is back', async () => {
    const redis = new RedisServer();
    redis.port = await freePort();
    const env = { REDIS_URL: redis.url, MQ_REDIS_URL: redis.url, SWEEP_INTERVAL_MS: '200' };
    try {
      const [api, worker] = await Promise.all([
        ServiceProcess.start({ ...env, ROLE: 'api' }),
        ServiceProcess.start({ ...env, ROLE: 'worker' }),
      ]);
      services.push(api, worker);
      const ready = await fetch(`${api.baseUrl}/health/ready`);
      const body = (await ready.json()) as { error: Record<string, unknown> };
      expect(ready.status).toBe(200);
      expect(Object.keys(body.error)).toContain('redis');
      expect((await fetch(`${worker.baseUrl}/health/ready`)).status).toBe(503);

      const topic = `redis-down-${randomBytes(4).toString('hex')}`;
      const client = new ProducerClient(api.baseUrl, producer.apiKey);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await client.prepare(aPrepareRequest({ topic, confirmed: i % 2 === 0 }));
        expect(res.status).toBe(201);
        if (i % 2 === 1) expect((await client.confirm(res.body.id)).status).toBe(200);
        ids.push(res.body.id);
      }

      await redis.start();
      await waitFor(
        async () => (await deliveries(redis.url, topic)).size === 20,
        'all 20 messages in the stream',
        30_000,
        250,
      );
      const counts = await deliveries(redis.url, topic);
      expect([...counts.keys()].sort()).toEqual([...ids].sort());
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      for (const id of ids) expect((await client.until(id, ['SENT'])).status).toBe('SENT');
      expect((await fetch(`${worker.baseUrl}/health/ready`)).status).toBe(200);
    } finally {
      await Promise.all(services.splice(0).map((s) => s.kill()));
      await redis.stop();
    }
  });

  it('should stop within SHUTDOWN_GRACE_MS on SIGTERM mid-burst and send every confirmed message exactly once', async () => {
    // Each send takes 150 ms at the broker, so that sends and completions are in flight at the stop.
    const emulator = new RocketMqEmulator();
    await emulator.start();
    emulators.push(emulator);
    emulator.slowSends(150);
    const env = {
      SHUTDOWN_GRACE_MS: '5000',
      SWEEP_INTERVAL_MS: '200',
      CLAIM_TIMEOUT_MS: '3000',
      MQ_DRIVER: 'rocketmq',
      ROCKETMQ_ENDPOINTS: emulator.endpoints,
    };
    const topic = `sigterm-${randomBytes(4).toString('hex')}`;
    const first = await ServiceProcess.start(env);
    services.push(first);
    const client = new ProducerClient(first.baseUrl, producer.apiKey);
    const accepted: string[] = [];
    let stopping: Promise<number> | undefined;
    const burst = Array.from({ length: 16 }, async () => {
      for (let i = 0; i < 40; i++) {
        const res = await client
          .prepare(aPrepareRequest({ topic, confirmed: true }))
          .catch(() => undefined);
        if (res?.status === 201) accepted.push(res.body.id);
        if (!res) return; // the server stopped taking requests
        if (accepted.length >= 150 && !stopping) {
          const started = Date.now();
          stopping = first.stop().then(() => Date.now() - started);
        }
      }
    });
    await Promise.all(burst);
    const stopMs = await stopping!;
    expect({ exitCode: first.child.exitCode, logs: first.logs.slice(-2000) }).toMatchObject({
      exitCode: 0,
    });
    expect(stopMs).toBeLessThan(5000 + 1000);

    const second = await ServiceProcess.start(env);
    services.push(second);
    // Every message the first process stored, answered or not, ends SENT in MySQL (a completion
    // dropped by the stop would leave it CONFIRMED, to be sent again after its lease) ...
    const db = t.app.get(DataSource);
    const stored = await waitFor(
      async () => {
        const rows = await db.query<{ id: string; status: number }[]>(
          'SELECT id, status FROM messages WHERE producer_id = ? AND topic = ?',
          [producer.id, topic],
        );
        return rows.every((r) => Number(r.status) === Number(MessageStatus.SENT))
          ? rows
          : undefined;
      },
      'every stored message SENT',
      30_000,
      250,
    );
    expect(stored.map((r) => r.id)).toEqual(expect.arrayContaining(accepted));
    // ... and reached the broker exactly once.
    expect(stored.filter((r) => emulator.byRmsId(r.id).length !== 1)).toEqual([]);
    expect(emulator.messages.filter((m) => m.topic === topic)).toHaveLength(stored.length);
  });
});
