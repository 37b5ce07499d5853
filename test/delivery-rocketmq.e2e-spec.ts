import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { aPrepareRequest } from './factories/message.factory';
import { ProducerClient, timelineOf } from './support/messages-api';
import { receiveAll, shutdownQuietly, startConsumer } from './support/rocketmq-consumer';
import { RocketMqEmulator } from './support/rocketmq-emulator';
import { registerProducer, startTestApp, TestApp } from './support/test-app';
import { TEST_REDIS_URL } from './support/test-env';
import { waitFor } from './support/wait';

const RETRY_BASE_MS = 200;
const MAX_ATTEMPTS = 5;

describe('Delivery with the rocketmq driver against the proxy emulator (e2e)', () => {
  let emulator: RocketMqEmulator;
  let t: TestApp;
  let client: ProducerClient;
  let producerId: string;

  beforeAll(async () => {
    emulator = new RocketMqEmulator();
    await emulator.start();
    t = await startTestApp({
      MQ_DRIVER: 'rocketmq',
      ROCKETMQ_ENDPOINTS: emulator.endpoints,
      RETRY_BASE_MS: String(RETRY_BASE_MS),
      RETRY_MAX_MS: '2000',
      DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      SWEEP_INTERVAL_MS: '200',
      CLAIM_TIMEOUT_MS: '4000',
    });
    const producer = await registerProducer(t);
    producerId = producer.id;
    client = new ProducerClient(t.baseUrl, producer.apiKey);
  });

  afterEach(() => emulator.recover());

  afterAll(async () => {
    await t.close();
    await emulator.stop();
  });

  const uniqueTopic = () => `rmq-${randomBytes(4).toString('hex')}`;

  it('should deliver a confirmed message that a SimpleConsumer receives with topic, tag, keys and properties', async () => {
    const topic = uniqueTopic();
    const request = aPrepareRequest({
      topic,
      tag: 'paid',
      keys: ['order-9'],
      properties: { region: 'us' },
    });
    const { body } = await client.prepare(request);
    await client.confirm(body.id);
    const sent = await client.until(body.id, ['SENT']);
    expect(sent.mqMessageId).toBe(emulator.byRmsId(body.id)[0].messageId);
    expect((await timelineOf(t, body.id)).map((e) => e.type)).toEqual([
      'PREPARED',
      'CONFIRMED',
      'DELIVERY_ATTEMPT',
      'SENT',
    ]);

    const consumer = await startConsumer(emulator.endpoints, topic);
    const [view] = await receiveAll(consumer, 1).finally(() => shutdownQuietly(consumer));
    expect(view.topic).toBe(topic);
    expect(view.tag).toBe('paid');
    expect(view.keys).toEqual([request.msgLogId, body.id, 'order-9']);
    expect(Object.fromEntries(view.properties)).toEqual({
      region: 'us',
      'rms-message-id': body.id,
      'rms-producer': producerId,
      'rms-msg-log-id': request.msgLogId,
      'rms-seq': '1',
    });
    expect(view.body.toString()).toBe(request.body);
    expect(view.messageId).toBe(sent.mqMessageId);
  });

  it('should be SENT on attempt 4 after 3 failed sends, backing off between attempts', async () => {
    emulator.failNextSends(3, 50000);
    const { body } = await client.prepare(
      aPrepareRequest({ topic: uniqueTopic(), confirmed: true }),
    );
    const sent = await client.until(body.id, ['SENT']);
    expect(sent.deliveryAttempts).toBe(4);
    expect(emulator.byRmsId(body.id)).toHaveLength(1);

    const attempts = (await timelineOf(t, body.id)).filter((e) => e.type === 'DELIVERY_ATTEMPT');
    expect(attempts.map((e) => [e.detail?.attempt, e.detail?.ok])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    // attempt n+1 starts no earlier than base * 2^(n-1) * 0.8 (the jitter floor) after attempt n
    const times = attempts.map((e) => e.at.getTime());
    for (let n = 1; n < times.length; n++) {
      const floor = RETRY_BASE_MS * 2 ** (n - 1) * 0.8;
      expect(times[n] - times[n - 1]).toBeGreaterThanOrEqual(floor);
    }
    expect(times[3] - times[2]).toBeGreaterThan(times[1] - times[0]);
  });

  it('should end FAILED after DELIVERY_MAX_ATTEMPTS when every send fails', async () => {
    emulator.failAllSends(50000);
    const { body } = await client.prepare(
      aPrepareRequest({ topic: uniqueTopic(), confirmed: true }),
    );
    const failed = await client.until(body.id, ['FAILED'], 20_000);
    expect(failed.deliveryAttempts).toBe(MAX_ATTEMPTS);
    expect(failed.failMsg).toContain('code 50000');
    expect(failed.nextAttemptAt).toBeNull();
    const events = await timelineOf(t, body.id);
    expect(events.filter((e) => e.type === 'DELIVERY_ATTEMPT')).toHaveLength(MAX_ATTEMPTS);
    expect(events.at(-1)).toMatchObject({
      type: 'FAILED',
      detail: { reason: 'delivery attempts exhausted' },
    });
    expect(emulator.byRmsId(body.id)).toHaveLength(0);
  });

  it('should fail at once, saying so, when the topic does not exist', async () => {
    emulator.failAllSends(40402);
    const { body } = await client.prepare(
      aPrepareRequest({ topic: uniqueTopic(), confirmed: true }),
    );
    const failed = await client.until(body.id, ['FAILED']);
    expect(failed.deliveryAttempts).toBe(1);
    expect(failed.failMsg).toContain('topic not found');
    const events = await timelineOf(t, body.id);
    expect(events.at(-1)).toMatchObject({
      type: 'FAILED',
      detail: { reason: 'permanent send error' },
    });
  });

  it('should still send every CONFIRMED message after the queue database is flushed', async () => {
    emulator.failAllSends(50000);
    const topic = uniqueTopic();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push((await client.prepare(aPrepareRequest({ topic, confirmed: true }))).body.id);
    }
    await waitFor(
      async () =>
        (await Promise.all(ids.map((id) => client.get(id)))).every(
          (r) => r.body.deliveryAttempts >= 1,
        ),
      'a first failed attempt of every message',
    );
    const redis = new Redis(TEST_REDIS_URL);
    expect(await redis.flushdb()).toBe('OK');
    await redis.quit();
    emulator.recover();

    await Promise.all(ids.map((id) => client.until(id, ['SENT'], 20_000)));
    for (const id of ids) expect(emulator.byRmsId(id)).toHaveLength(1);
  });
});
