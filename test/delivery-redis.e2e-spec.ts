import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { aPrepareRequest } from './factories/message.factory';
import { ProducerClient, timelineOf } from './support/messages-api';
import { registerProducer, startTestApp, TestApp } from './support/test-app';
import { TEST_MQ_REDIS_URL } from './support/test-env';
import { sleep } from './support/wait';

/** Stream entries as `{ id, fields }` with the body as raw bytes. */
async function readStream(redis: Redis, topic: string) {
  const entries = await redis.xrangeBuffer(`rms:${topic}`, '-', '+');
  return entries.map(([id, raw]) => {
    const fields: Record<string, Buffer> = {};
    for (let i = 0; i < raw.length; i += 2) fields[raw[i].toString()] = raw[i + 1];
    return { id: id.toString(), fields };
  });
}

describe('Delivery with the redis driver (e2e)', () => {
  let t: TestApp;
  let client: ProducerClient;
  let producerId: string;
  let redis: Redis;

  beforeAll(async () => {
    t = await startTestApp({ SWEEP_INTERVAL_MS: '200' });
    const producer = await registerProducer(t);
    producerId = producer.id;
    client = new ProducerClient(t.baseUrl, producer.apiKey);
    redis = new Redis(TEST_MQ_REDIS_URL);
  });

  afterAll(async () => {
    await redis.quit();
    await t.close();
  });

  const uniqueTopic = () => `topic-${randomBytes(4).toString('hex')}`;

  it('should put a confirmed message in the stream with its properties and record the receipt', async () => {
    const topic = uniqueTopic();
    const request = aPrepareRequest({
      topic,
      keys: ['order-7'],
      properties: { traceparent: '00-abc-def-01' },
    });
    const prepared = await client.prepare(request);
    await client.confirm(prepared.body.id);
    const sent = await client.until(prepared.body.id, ['SENT']);

    const [entry, ...more] = await readStream(redis, topic);
    expect(more).toHaveLength(0);
    expect(sent.mqMessageId).toBe(entry.id);
    expect(sent.sentAt).not.toBeNull();
    expect(sent.seq).toBe(1);
    expect(entry.fields.tag.toString()).toBe('created');
    expect(JSON.parse(entry.fields.keys.toString())).toEqual([
      request.msgLogId,
      sent.id,
      'order-7',
    ]);
    expect(JSON.parse(entry.fields.properties.toString())).toEqual({
      traceparent: '00-abc-def-01',
      'rms-message-id': sent.id,
      'rms-producer': producerId,
      'rms-msg-log-id': request.msgLogId,
      'rms-seq': '1',
    });
    expect(entry.fields.body.toString()).toBe(request.body);

    const events = await timelineOf(t, sent.id);
    expect(events.map((e) => e.type)).toEqual([
      'PREPARED',
      'CONFIRMED',
      'DELIVERY_ATTEMPT',
      'SENT',
    ]);
    expect(events[2].detail).toMatchObject({ attempt: 1, ok: true, mqMessageId: entry.id });
  });

  it('should number messages per producer and topic without holes', async () => {
    const topic = uniqueTopic();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await client.prepare(aPrepareRequest({ topic, confirmed: true }))).body.id);
    }
    const seqs = await Promise.all(ids.map(async (id) => (await client.until(id, ['SENT'])).seq));
    expect([...seqs].sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5]);
    const other = await client.prepare(aPrepareRequest({ topic: uniqueTopic(), confirmed: true }));
    expect((await client.until(other.body.id, ['SENT'])).seq).toBe(1);
  });

  it('should keep binary bodies byte for byte', async () => {
    const topic = uniqueTopic();
    const bytes = randomBytes(300);
    const { body } = await client.prepare(
      aPrepareRequest({
        topic,
        body: bytes.toString('base64'),
        bodyEncoding: 'base64',
        confirmed: true,
      }),
    );
    await client.until(body.id, ['SENT']);
    const [entry] = await readStream(redis, topic);
    expect(entry.fields.body.equals(bytes)).toBe(true);
  });

  it('should not send a message before its deliverAt', async () => {
    const topic = uniqueTopic();
    const deliverAt = new Date(Date.now() + 3000);
    const { body } = await client.prepare(
      aPrepareRequest({ topic, deliverAt: deliverAt.toISOString(), confirmed: true }),
    );
    await sleep(2500);
    expect((await client.get(body.id)).body.status).toBe('CONFIRMED');
    expect(await readStream(redis, topic)).toHaveLength(0);

    const sent = await client.until(body.id, ['SENT'], 10_000);
    const [entry] = await readStream(redis, topic);
    // the stream entry id starts with the Redis server's clock in ms
    expect(Number(entry.id.split('-')[0])).toBeGreaterThanOrEqual(deliverAt.getTime());
    expect(Date.parse(sent.sentAt!)).toBeGreaterThanOrEqual(deliverAt.getTime());
  });
});
