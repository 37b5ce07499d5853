import { BATCH_MAX_BYTES, MqSendError, RedisStreamDriver } from '@app/mq';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { TEST_MQ_REDIS_URL } from '../support/test-env';

describe('RedisStreamDriver (integration, real Redis)', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(TEST_MQ_REDIS_URL);
  });

  afterAll(() => redis.quit());

  it('should trim each stream to about REDIS_STREAM_MAXLEN entries, dropping the oldest', async () => {
    const topic = `trim-${randomBytes(4).toString('hex')}`;
    const driver = new RedisStreamDriver(redis, { maxLen: 100 });
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const receipt = await driver.send({
        topic,
        tag: null,
        keys: [],
        properties: { n: String(i) },
        messageGroup: null,
        body: Buffer.from(`m${i}`),
      });
      ids.push(receipt.messageId);
    }
    const key = RedisStreamDriver.streamKey(topic);
    const length = await redis.xlen(key);
    // Approximate trimming removes whole nodes of 100 entries: between 100 and 200 remain.
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThanOrEqual(200);
    const [[newest]] = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
    expect(newest).toBe(ids[999]);
    await redis.del(key);
  });

  const message = (topic: string, n: number) => ({
    topic,
    tag: n % 2 ? 'odd' : null,
    keys: [`k-${n}`],
    properties: { n: String(n) },
    messageGroup: null,
    body: Buffer.from([n % 256, 0, 255]),
  });

  it('should send a batch with one command per stream and chunk, in order, as send() would', async () => {
    const [a, b] = ['a', 'b'].map((t) => `batch-${t}-${randomBytes(4).toString('hex')}`);
    const driver = new RedisStreamDriver(redis);
    const messages = Array.from({ length: 250 }, (_, n) => message(n % 5 ? a : b, n));
    const results = await driver.sendBatch(messages);
    expect(results.every((r) => 'messageId' in r)).toBe(true);
    // The entries of one stream are in the batch's order, fields as send() writes them.
    const single = await driver.send(message(a, 999));
    const entries = await redis.xrangeBuffer(RedisStreamDriver.streamKey(a), '-', '+');
    const ofA = messages.map((m, i) => [m, results[i]] as const).filter(([m]) => m.topic === a);
    expect(entries.map(([id]) => id.toString())).toEqual([
      ...ofA.map(([, r]) => (r as { messageId: string }).messageId),
      single.messageId,
    ]);
    const fields = (entry: Buffer[]) => entry.map((f, i) => (i === 9 ? f : f.toString()));
    expect(fields(entries[0][1])).toEqual([
      'tag',
      'odd',
      'keys',
      '["k-1"]',
      'properties',
      '{"n":"1"}',
      'messageGroup',
      '',
      'body',
      Buffer.from([1, 0, 255]),
    ]);
    expect(entries[entries.length - 1][1].map((f) => f.toString()).slice(0, 8)).toEqual([
      'tag',
      'odd',
      'keys',
      '["k-999"]',
      'properties',
      '{"n":"999"}',
      'messageGroup',
      '',
    ]);
    expect(await redis.xlen(RedisStreamDriver.streamKey(b))).toBe(50);
    await redis.del(RedisStreamDriver.streamKey(a), RedisStreamDriver.streamKey(b));
  });

  it("should fail only the messages whose stream refuses them, and survive a flush of Redis' scripts", async () => {
    const good = `batch-good-${randomBytes(4).toString('hex')}`;
    const bad = `batch-bad-${randomBytes(4).toString('hex')}`;
    await redis.set(RedisStreamDriver.streamKey(bad), 'not a stream');
    const driver = new RedisStreamDriver(redis);
    await driver.sendBatch([message(good, 0)]); // the script is loaded, then Redis loses it
    await redis.script('FLUSH');
    const results = await driver.sendBatch([message(good, 1), message(bad, 2), message(good, 3)]);
    expect('messageId' in results[0] && 'messageId' in results[2]).toBe(true);
    expect(results[1]).toBeInstanceOf(MqSendError);
    expect((results[1] as MqSendError).message).toMatch(/WRONGTYPE/);
    expect((results[1] as MqSendError).permanent).toBe(false);
    expect(await redis.xlen(RedisStreamDriver.streamKey(good))).toBe(3);
    await redis.del(RedisStreamDriver.streamKey(good), RedisStreamDriver.streamKey(bad));
  });

  it('should split a batch into calls of at most BATCH_MAX_MESSAGES or BATCH_MAX_BYTES, in order', async () => {
    const topic = `batch-chunks-${randomBytes(4).toString('hex')}`;
    const driver = new RedisStreamDriver(redis);
    const calls = jest.spyOn(redis as unknown as { rmsXaddAll: () => unknown }, 'rmsXaddAll');
    const big = (n: number) => ({
      ...message(topic, n),
      body: Buffer.alloc(BATCH_MAX_BYTES / 2, n),
    });
    // 3 bodies of half the byte limit: two calls (2 + 1); then 150 small ones: two more.
    const results = await driver.sendBatch([big(1), big(2), big(3)]);
    expect(calls).toHaveBeenCalledTimes(2);
    await driver.sendBatch(Array.from({ length: 150 }, (_, n) => message(topic, n)));
    expect(calls).toHaveBeenCalledTimes(4);
    calls.mockRestore();
    const entries = await redis.xrangeBuffer(
      RedisStreamDriver.streamKey(topic),
      '-',
      '+',
      'COUNT',
      3,
    );
    expect(entries.map(([id]) => id.toString())).toEqual(
      results.map((r) => (r as { messageId: string }).messageId),
    );
    expect(await redis.xlen(RedisStreamDriver.streamKey(topic))).toBe(153);
    await redis.del(RedisStreamDriver.streamKey(topic));
  });
});
