import { RedisStreamDriver } from '@app/mq';
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
});
