import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { call } from './support/http';
import { RocketMqEmulator } from './support/rocketmq-emulator';
import { ServiceProcess } from './support/service-process';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';
import { waitFor } from './support/wait';

const MESSAGES = 1000;
const GROUPS = 20;

describe('Per-group FIFO with two service processes on one database (e2e, RocketMQ emulator)', () => {
  // API-only in the test process: registers the producer and reads MySQL; the two service
  // processes take the batches and make every delivery.
  let t: TestApp;
  let producer: TestProducer;
  let emulator: RocketMqEmulator;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
    producer = await registerProducer(t);
    emulator = new RocketMqEmulator();
    await emulator.start();
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill()));
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
    await emulator.stop();
  });

  it(`should keep ${GROUPS} groups in confirm order over ${MESSAGES} messages, with failing sends`, async () => {
    const env = {
      MQ_DRIVER: 'rocketmq',
      ROCKETMQ_ENDPOINTS: emulator.endpoints,
      RETRY_BASE_MS: '100',
      RETRY_MAX_MS: '500',
      SWEEP_INTERVAL_MS: '200',
    };
    services.push(...(await Promise.all([ServiceProcess.start(env), ServiceProcess.start(env)])));
    const topic = `fifo2-${randomBytes(4).toString('hex')}`;
    emulator.failNextSends(40);
    for (let b = 0; b < MESSAGES / 100; b++) {
      const messages = Array.from({ length: 100 }, (_, i) =>
        aPrepareRequest({ topic, messageGroup: `g-${(b * 100 + i) % GROUPS}`, confirmed: true }),
      );
      const res = await call(services[b % 2].baseUrl, 'POST', '/v1/messages/batch', {
        token: producer.apiKey,
        json: { messages },
      });
      expect(res.status).toBe(200);
      if (b === 4) emulator.failNextSends(40);
    }
    const db = t.app.get(DataSource);
    await waitFor(
      async () => {
        const [row] = await db.query<{ n: string }[]>(
          'SELECT COUNT(*) AS n FROM messages WHERE producer_id = ? AND topic = ? AND status = 1',
          [producer.id, topic],
        );
        return Number(row.n) === MESSAGES;
      },
      `all ${MESSAGES} SENT`,
      60_000,
      200,
    );
    // The confirm order is MySQL's: confirmed_at, then id.
    const confirmed = await db.query<{ id: string; message_group: string }[]>(
      'SELECT id, message_group FROM messages WHERE producer_id = ? AND topic = ? ORDER BY confirmed_at, id',
      [producer.id, topic],
    );
    const firstArrivals = [
      ...new Set(
        emulator.messages
          .filter((m) => m.topic === topic)
          .map((m) => m.properties['rms-message-id']),
      ),
    ];
    expect(firstArrivals).toHaveLength(MESSAGES);
    for (let g = 0; g < GROUPS; g++) {
      const expected = confirmed.filter((m) => m.message_group === `g-${g}`).map((m) => m.id);
      expect(expected).toHaveLength(MESSAGES / GROUPS);
      expect(firstArrivals.filter((id) => expected.includes(id))).toEqual(expected);
    }
    expect(emulator.sendAttempts.filter((a) => !a.ok).length).toBeGreaterThanOrEqual(40);
  }, 120_000);
});
