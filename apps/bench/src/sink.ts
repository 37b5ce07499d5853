import * as amqp from 'amqplib';
import Redis from 'ioredis';
import { sleep } from './harness';

/**
 * Where the bench counts delivered messages: the Redis streams of the `redis` driver (entry ids
 * carry Redis's clock), or, for `rabbitmq`, a durable queue bound to each topic before its
 * scenario (arrivals timed by polling its depth every 20 ms).
 */
export interface DeliverySink {
  readonly driver: 'redis' | 'rabbitmq';
  /** Before a scenario publishes to `topic`. */
  prepare(topic: string): Promise<void>;
  count(topic: string): Promise<number>;
  /** Waits until `expected` arrived; when the last one did (epoch ms). */
  drained(topic: string, expected: number, timeoutMs?: number): Promise<number>;
  /** Waits until `expected` arrived; when the first and the last did (epoch ms). */
  span(
    topic: string,
    expected: number,
    timeoutMs: number,
  ): Promise<{ first: number; last: number }>;
  close(): Promise<void>;
}

const POLL_MS = 20;

export class RedisStreamSink implements DeliverySink {
  readonly driver = 'redis';
  constructor(private readonly redis: Redis) {}

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  count(topic: string): Promise<number> {
    return this.redis.xlen(`rms:${topic}`);
  }

  async drained(topic: string, expected: number, timeoutMs = 120_000): Promise<number> {
    return (await this.span(topic, expected, timeoutMs)).last;
  }

  async span(topic: string, expected: number, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while ((await this.count(topic)) < expected) {
      if (Date.now() > deadline) {
        throw new Error(`${topic}: only ${await this.count(topic)} of ${expected} delivered`);
      }
      await sleep(50);
    }
    const [[firstId]] = await this.redis.xrange(`rms:${topic}`, '-', '+', 'COUNT', 1);
    const [[lastId]] = await this.redis.xrevrange(`rms:${topic}`, '+', '-', 'COUNT', 1);
    return { first: Number(firstId.split('-')[0]), last: Number(lastId.split('-')[0]) };
  }

  close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}

export class RabbitMqSink implements DeliverySink {
  readonly driver = 'rabbitmq';
  private readonly queues: string[] = [];

  private constructor(
    private readonly connection: amqp.ChannelModel,
    private readonly channel: amqp.Channel,
    private readonly exchange: string,
  ) {}

  static async open(url: string, exchange: string): Promise<RabbitMqSink> {
    const connection = await amqp.connect(url);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    return new RabbitMqSink(connection, channel, exchange);
  }

  async prepare(topic: string): Promise<void> {
    const queue = `bench.${topic}`;
    await this.channel.deleteQueue(queue);
    await this.channel.assertQueue(queue, { durable: true });
    await this.channel.bindQueue(queue, this.exchange, topic);
    this.queues.push(queue);
  }

  async count(topic: string): Promise<number> {
    return (await this.channel.checkQueue(`bench.${topic}`)).messageCount;
  }

  async drained(topic: string, expected: number, timeoutMs = 120_000): Promise<number> {
    return (await this.span(topic, expected, timeoutMs)).last;
  }

  async span(topic: string, expected: number, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    let first: number | undefined;
    for (;;) {
      const n = await this.count(topic);
      const now = Date.now();
      if (n > 0) first ??= now;
      if (n >= expected) return { first: first!, last: now };
      if (now > deadline) throw new Error(`${topic}: only ${n} of ${expected} delivered`);
      await sleep(POLL_MS);
    }
  }

  async close(): Promise<void> {
    for (const q of this.queues) await this.channel.deleteQueue(q).catch(() => undefined);
    await this.connection.close();
  }
}
