import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { RmsConsumerOptions } from '../../libs/consumer/src';
import { aPrepareRequest } from '../factories/message.factory';
import { deleteMessagesOf } from './cleanup';
import { call } from './http';
import { RocketMqEmulator } from './rocketmq-emulator';
import { shutdownQuietly, startConsumer } from './rocketmq-consumer';
import { registerProducer, startTestApp, TestApp, TestProducer } from './test-app';
import { TEST_MQ_REDIS_URL } from './test-env';
import { waitFor } from './wait';

export type Driver = 'redis' | 'rocketmq';

/**
 * The real service delivering to one MQ (Redis Streams, or the RocketMQ emulator), a producer
 * that publishes through it, and raw access to what the MQ holds, for the consumer SDK's tests.
 */
export class ConsumerHarness {
  t!: TestApp;
  producer!: TestProducer;
  redis = new Redis(TEST_MQ_REDIS_URL);
  emulator?: RocketMqEmulator;

  constructor(
    readonly driver: Driver,
    private readonly env: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    if (this.driver === 'rocketmq') {
      this.emulator = new RocketMqEmulator();
      await this.emulator.start();
    }
    this.t = await startTestApp({
      ...(this.emulator
        ? { MQ_DRIVER: 'rocketmq', ROCKETMQ_ENDPOINTS: this.emulator.endpoints }
        : {}),
      ...this.env,
    });
    this.producer = await registerProducer(this.t);
  }

  async stop(): Promise<void> {
    await deleteMessagesOf(this.t, [this.producer.id]);
    await this.t.close();
    this.redis.disconnect();
    await this.emulator?.stop();
  }

  /** What `RmsConsumer` needs to read this MQ. */
  source(): Pick<RmsConsumerOptions, 'driver' | 'redis' | 'rocketmq'> {
    return this.emulator
      ? { driver: 'rocketmq', rocketmq: { endpoints: this.emulator.endpoints } }
      : { driver: 'redis', redis: this.redis };
  }

  topic(): string {
    return `c-${this.driver}-${randomBytes(4).toString('hex')}`;
  }

  /** Publishes `n` messages (in batches, confirmed) and waits until the MQ holds them all. */
  async publish(topic: string, n: number, messageGroup?: (i: number) => string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 100) {
      const messages = Array.from({ length: Math.min(100, n - i) }, (_, j) =>
        aPrepareRequest({
          topic,
          confirmed: true,
          body: `m-${i + j}`,
          messageGroup: messageGroup?.(i + j),
        }),
      );
      const res = await call<{ items: { message: { id: string } }[] }>(
        this.t.baseUrl,
        'POST',
        '/v1/messages/batch',
        {
          token: this.producer.apiKey,
          json: { messages },
        },
      );
      ids.push(...res.body.items.map((item) => item.message.id));
    }
    await waitFor(
      async () => (await this.inMq(topic)).length >= n,
      `${n} messages in the MQ`,
      30_000,
      100,
    );
    return ids;
  }

  /** The message ids the MQ holds for a topic, in its order. */
  async inMq(topic: string): Promise<string[]> {
    if (this.emulator) {
      return this.emulator.messages
        .filter((m) => m.topic === topic && !m.removed)
        .map((m) => m.properties['rms-message-id']);
    }
    return (await this.redis.xrange(`rms:${topic}`, '-', '+')).map(
      ([, f]) =>
        (JSON.parse(f[f.indexOf('properties') + 1]) as Record<string, string>)['rms-message-id'],
    );
  }

  /** Deletes a message from the MQ, as a lost entry. */
  async remove(topic: string, messageId: string): Promise<void> {
    if (this.emulator) return this.emulator.remove(messageId);
    for (const [id, f] of await this.redis.xrange(`rms:${topic}`, '-', '+')) {
      if (f[f.indexOf('properties') + 1].includes(messageId))
        await this.redis.xdel(`rms:${topic}`, id);
    }
  }

  /** Adds the same message to the MQ once more (a duplicate delivery, or a late arrival). */
  async duplicate(topic: string, messageId: string, fields?: string[]): Promise<void> {
    if (this.emulator) {
      const m = this.emulator.messages.find((x) => x.properties['rms-message-id'] === messageId)!;
      this.emulator.messages.push({ ...m, removed: false, offset: this.emulator.messages.length });
      return;
    }
    const entry = fields ?? (await this.redisFields(topic, messageId));
    await this.redis.xadd(`rms:${topic}`, '*', ...entry);
  }

  async redisFields(topic: string, messageId: string): Promise<string[]> {
    const found = (await this.redis.xrange(`rms:${topic}`, '-', '+')).find(([, f]) =>
      f[f.indexOf('properties') + 1].includes(messageId),
    );
    return found![1];
  }

  /** Receives up to `n` messages of the group and never acknowledges them: a consumer that died. */
  async receiveAndDie(group: string, topic: string, n: number): Promise<void> {
    if (this.emulator) {
      const consumer = await startConsumer(this.emulator.endpoints, topic, group);
      try {
        let got = 0;
        while (got < n) got += (await consumer.receive(n - got, 1000)).length;
      } finally {
        await shutdownQuietly(consumer);
      }
      return;
    }
    await this.redis
      .xgroup('CREATE', `rms:${topic}`, group, '0', 'MKSTREAM')
      .catch(() => undefined);
    await this.redis.xreadgroup(
      'GROUP',
      group,
      'dead-consumer',
      'COUNT',
      n,
      'STREAMS',
      `rms:${topic}`,
      '>',
    );
  }
}
