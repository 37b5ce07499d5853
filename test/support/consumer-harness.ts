import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import { declareRabbitMqGroup, RmsConsumer, RmsConsumerOptions } from '../../libs/consumer/src';
import { aPrepareRequest } from '../factories/message.factory';
import { deleteMessagesOf } from './cleanup';
import { call } from './http';
import { RocketMqEmulator } from './rocketmq-emulator';
import { shutdownQuietly, startConsumer } from './rocketmq-consumer';
import { registerProducer, startTestApp, TestApp, TestProducer } from './test-app';
import { RabbitAdmin, suiteExchange } from './rabbitmq';
import { TEST_MQ_REDIS_URL, TEST_RABBITMQ_URL } from './test-env';
import { waitFor } from './wait';

export type Driver = 'redis' | 'rocketmq' | 'rabbitmq';

/**
 * The real service delivering to one MQ (Redis Streams, the RocketMQ emulator, or the real
 * RabbitMQ), a producer that publishes through it, and raw access to what the MQ holds, for the
 * consumer SDK's tests.
 *
 * RabbitMQ keeps no history: a group's queue holds only what was published after it was
 * declared. So that every suite can publish first and start its consumers later (as with the
 * other MQs), each topic gets an observer queue `obs.<topic>` holding everything published, and
 * `attach()` declares a group's queue and copies the observer queue into it, in order.
 */
export class ConsumerHarness {
  t!: TestApp;
  producer!: TestProducer;
  redis = new Redis(TEST_MQ_REDIS_URL);
  emulator?: RocketMqEmulator;
  rabbit?: RabbitAdmin;
  readonly exchange = suiteExchange('consumer');
  /** Messages `remove()` took out of RabbitMQ, for a later `duplicate()` (a late arrival). */
  private readonly removed = new Map<string, amqp.GetMessage>();
  /** Groups attached so far, by topic. */
  private readonly attached = new Map<string, Set<string>>();

  constructor(
    readonly driver: Driver,
    private readonly env: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    if (this.driver === 'rocketmq') {
      this.emulator = new RocketMqEmulator();
      await this.emulator.start();
    }
    if (this.driver === 'rabbitmq') this.rabbit = await new RabbitAdmin().open();
    this.t = await startTestApp({
      ...(this.emulator
        ? { MQ_DRIVER: 'rocketmq', ROCKETMQ_ENDPOINTS: this.emulator.endpoints }
        : {}),
      ...(this.rabbit ? { MQ_DRIVER: 'rabbitmq', RABBITMQ_EXCHANGE: this.exchange } : {}),
      ...this.env,
    });
    this.producer = await registerProducer(this.t);
  }

  async stop(): Promise<void> {
    await deleteMessagesOf(this.t, [this.producer.id]);
    await this.t.close();
    this.redis.disconnect();
    await this.emulator?.stop();
    if (this.rabbit) {
      const queues = [...this.attached.entries()].flatMap(([topic, groups]) => [
        `obs.${topic}`,
        ...[...groups].flatMap((g) => [`rms.${g}`, `rms.${g}.dead-letters`]),
      ]);
      await this.rabbit.deleteAll(this.exchange, queues);
      await this.rabbit.close();
    }
  }

  /** RabbitMQ options of `RmsConsumer` for this suite. */
  get rabbitmq() {
    return { url: TEST_RABBITMQ_URL, exchange: this.exchange };
  }

  /**
   * Before a consumer of `group` starts: with RabbitMQ, declares the group's queue and fills it
   * with what was published to the topics so far (see the class comment). Nothing to do for the
   * other MQs, which keep history.
   */
  async attach(group: string, topics: string[]): Promise<void> {
    if (!this.rabbit) return;
    const ch = this.rabbit.channel;
    for (const topic of topics) {
      const groups = this.attached.get(topic) ?? new Set();
      this.attached.set(topic, groups);
      if (groups.has(group)) continue;
      groups.add(group);
      const { queue } = await declareRabbitMqGroup(ch, {
        exchange: this.exchange,
        group,
        topics: [],
      });
      for (const m of await this.observed(topic)) {
        ch.sendToQueue(queue, m.content, { ...m.properties, headers: m.properties.headers });
      }
      await ch.bindQueue(queue, this.exchange, topic);
    }
  }

  /** Starts a consumer of this MQ, attached first (see `attach`). */
  async run(consumer: RmsConsumer): Promise<void> {
    const { group, topics } = (consumer as unknown as { options: RmsConsumerOptions }).options;
    await this.attach(group, topics);
    await consumer.start();
  }

  /** What the observer queue of a topic holds, in order; left in place. */
  private async observed(topic: string): Promise<amqp.GetMessage[]> {
    // Taken unacknowledged, then all returned: a classic queue puts them back where they were,
    // ahead of anything published meanwhile.
    const ch = this.rabbit!.channel;
    const all: amqp.GetMessage[] = [];
    for (;;) {
      const m = await ch.get(`obs.${topic}`, { noAck: false });
      if (!m) break;
      all.push(m);
    }
    ch.nackAll(true);
    await ch.checkQueue(`obs.${topic}`); // a round trip: the requeue is done
    return all;
  }

  /** What `RmsConsumer` needs to read this MQ. */
  source(): Pick<RmsConsumerOptions, 'driver' | 'redis' | 'rocketmq' | 'rabbitmq'> {
    if (this.rabbit) return { driver: 'rabbitmq', rabbitmq: this.rabbitmq };
    return this.emulator
      ? { driver: 'rocketmq', rocketmq: { endpoints: this.emulator.endpoints } }
      : { driver: 'redis', redis: this.redis };
  }

  /** A fresh topic; with RabbitMQ, its observer queue is bound before anything is published. */
  async topic(): Promise<string> {
    const topic = `c-${this.driver}-${randomBytes(4).toString('hex')}`;
    if (this.rabbit) {
      await this.rabbit.bind(this.exchange, topic, `obs.${topic}`);
      this.attached.set(topic, new Set());
    }
    return topic;
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
    if (this.rabbit) {
      return (await this.observed(topic)).map((m) => String(m.properties.messageId));
    }
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
    if (this.rabbit) {
      const ch = this.rabbit.channel;
      for (const m of await this.rabbit.drain(`obs.${topic}`)) {
        if (m.properties.messageId === messageId) this.removed.set(messageId, m);
        else ch.sendToQueue(`obs.${topic}`, m.content, m.properties);
      }
      await ch.checkQueue(`obs.${topic}`);
      return;
    }
    if (this.emulator) return this.emulator.remove(messageId);
    for (const [id, f] of await this.redis.xrange(`rms:${topic}`, '-', '+')) {
      if (f[f.indexOf('properties') + 1].includes(messageId))
        await this.redis.xdel(`rms:${topic}`, id);
    }
  }

  /** Adds the same message to the MQ once more (a duplicate delivery, or a late arrival). */
  async duplicate(topic: string, messageId: string, fields?: string[]): Promise<void> {
    if (this.rabbit) {
      // Kept aside by the caller (removed earlier), or still in the observer queue.
      const m =
        this.removed.get(messageId) ??
        (await this.observed(topic)).find((x) => x.properties.messageId === messageId)!;
      // Through the exchange: the observer queue and every attached group get it.
      this.rabbit.channel.publish(this.exchange, topic, m.content, m.properties);
      await this.rabbit.channel.checkQueue(`obs.${topic}`);
      return;
    }
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
    if (this.rabbit) {
      await this.attach(group, [topic]);
      const connection = await amqp.connect(TEST_RABBITMQ_URL);
      const ch = await connection.createChannel();
      await ch.prefetch(n);
      let got = 0;
      await ch.consume(`rms.${group}`, () => void got++);
      await waitFor(() => got >= n, `${n} deliveries to the dying consumer`).finally(() =>
        connection.close(),
      );
      return;
    }
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
