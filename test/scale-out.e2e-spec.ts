import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { call } from './support/http';
import { RocketMqEmulator } from './support/rocketmq-emulator';
import { ServiceProcess } from './support/service-process';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';
import { waitFor } from './support/wait';

const PER_PHASE = 1000;

describe('Scale-out: one api and two worker processes on one database (e2e, RocketMQ emulator)', () => {
  // The test process only registers the producer and reads MySQL: the api process takes every
  // prepare, the two workers make every delivery.
  let t: TestApp;
  let producer: TestProducer;
  let emulator: RocketMqEmulator;
  let api: ServiceProcess;
  let workers: ServiceProcess[] = [];
  const env = () => ({
    MQ_DRIVER: 'rocketmq',
    ROCKETMQ_ENDPOINTS: emulator.endpoints,
    SWEEP_INTERVAL_MS: '200',
    CLAIM_TIMEOUT_MS: '3000',
  });

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
    producer = await registerProducer(t);
    emulator = new RocketMqEmulator();
    await emulator.start();
    [api, ...workers] = await Promise.all([
      ServiceProcess.start({ ...env(), ROLE: 'api' }),
      ServiceProcess.start({ ...env(), ROLE: 'worker' }),
      ServiceProcess.start({ ...env(), ROLE: 'worker' }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([api, ...workers].map((s) => s?.kill()));
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
    await emulator.stop();
  });

  /** Prepares `PER_PHASE` confirmed messages through the api process, 100 per batch. */
  const publish = async (topic: string, onBatch?: (b: number) => void) => {
    for (let b = 0; b < PER_PHASE / 100; b++) {
      const messages = Array.from({ length: 100 }, () =>
        aPrepareRequest({ topic, confirmed: true }),
      );
      const res = await call(api.baseUrl, 'POST', '/v1/messages/batch', {
        token: producer.apiKey,
        json: { messages },
      });
      expect(res.status).toBe(200);
      onBatch?.(b);
    }
  };

  const sentIds = async (topic: string): Promise<string[]> => {
    const rows = await t.app
      .get(DataSource)
      .query<{ id: string }[]>(
        'SELECT id FROM messages WHERE producer_id = ? AND topic = ? AND status = 1',
        [producer.id, topic],
      );
    return rows.map((r) => r.id);
  };

  const waitAllSent = (topic: string) =>
    waitFor(
      async () => (await sentIds(topic)).length === PER_PHASE,
      `all ${PER_PHASE} of ${topic} SENT`,
      90_000,
      250,
    );

  /** How often each message of the topic reached the broker, by RMS message id. */
  const arrivals = (topic: string): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const m of emulator.messages.filter((m) => m.topic === topic)) {
      const id = m.properties['rms-message-id'];
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };

  it(`should send ${PER_PHASE} messages exactly once, shared by both workers`, async () => {
    const topic = `scale-${randomBytes(4).toString('hex')}`;
    await publish(topic);
    await waitAllSent(topic);

    const counts = arrivals(topic);
    expect([...counts.keys()].sort()).toEqual((await sentIds(topic)).sort());
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    // Both workers took part: the api process sends nothing.
    const senders = new Set(
      emulator.messages.filter((m) => m.topic === topic).map((m) => m.clientId),
    );
    expect(senders.size).toBe(2);
  }, 120_000);

  it(`should lose none of ${PER_PHASE} messages when a worker is killed mid-run`, async () => {
    const topic = `scale-kill-${randomBytes(4).toString('hex')}`;
    emulator.slowSends(100);
    // Publishing goes on while a worker is killed, once both are sending this topic.
    const published = publish(topic);
    const ofTopic = () => emulator.messages.filter((m) => m.topic === topic);
    await waitFor(
      () => new Set(ofTopic().map((m) => m.clientId)).size === 2 && ofTopic().length >= 100,
      'both workers sending',
      30_000,
      10,
    );
    await workers[0].kill();
    const killedAt = Date.now();
    const arrivedBeforeKill = ofTopic().length;
    await published;
    await waitAllSent(topic);
    emulator.slowSends(0);

    expect(arrivedBeforeKill).toBeLessThan(PER_PHASE);
    expect(workers[0].child.signalCode).toBe('SIGKILL');
    const counts = arrivals(topic);
    // At least once: every SENT message reached the broker; a send in flight at the kill may
    // arrive twice (consumers de-duplicate by rms-message-id).
    expect([...counts.keys()].sort()).toEqual((await sentIds(topic)).sort());
    expect(counts.size).toBe(PER_PHASE);
    // Only what the killed worker had in flight (at the broker, not yet recorded SENT) can
    // arrive twice: every duplicate's first copy came from it, the second from the survivor.
    const survivors = new Set(
      ofTopic()
        .filter((m) => m.storedAt > killedAt + 100)
        .map((m) => m.clientId),
    );
    expect(survivors.size).toBe(1);
    const firstCopy = new Map<string, string | undefined>();
    for (const m of ofTopic()) {
      const id = m.properties['rms-message-id'];
      if (!firstCopy.has(id)) firstCopy.set(id, m.clientId);
    }
    const twice = [...counts.entries()].filter(([, n]) => n > 1).map(([id]) => id);
    expect(twice.filter((id) => survivors.has(firstCopy.get(id)))).toEqual([]);
    expect([...counts.values()].every((n) => n <= 2)).toBe(true);
  }, 150_000);
});
