import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { toRmsMessage } from '../message';
import { Delivery, DeliverySource } from '../source';

export interface RabbitMqGroupOptions {
  /** The service's exchange (`RABBITMQ_EXCHANGE`); default `rms`. */
  exchange?: string;
  group: string;
  topics: string[];
}

export interface RabbitMqSourceOptions extends RabbitMqGroupOptions {
  /** `amqp://user:pass@host:5672/vhost`. */
  url: string;
  /** Unacknowledged messages the broker hands this consumer at once; default 2 × concurrency. */
  prefetch?: number;
  concurrency: number;
  /** How long one fetch waits for a message. */
  blockMs: number;
  /** A delivery neither settled nor touched this long goes back to the queue. */
  claimIdleMs: number;
}

/** The names `declareRabbitMqGroup` gives a group's queues. */
export function rabbitMqQueueNames(group: string): { queue: string; deadLetters: string } {
  return { queue: `rms.${group}`, deadLetters: `rms.${group}.dead-letters` };
}

/**
 * Declares a consumer group's durable quorum queue `rms.<group>`, bound to the service's topic
 * exchange for each topic, and its dead-letter queue `rms.<group>.dead-letters`. RabbitMQ routes
 * a message only to the queues that exist when it is published (and the service never calls a
 * message SENT that no queue took), so declare a group before its first message is sent: in a
 * deployment script, or by starting the consumer once. Idempotent.
 */
export async function declareRabbitMqGroup(
  channel: Channel,
  options: RabbitMqGroupOptions,
): Promise<{ queue: string; deadLetters: string }> {
  const exchange = options.exchange ?? 'rms';
  const names = rabbitMqQueueNames(options.group);
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(names.deadLetters, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum' },
  });
  await channel.assertQueue(names.queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': names.deadLetters,
    },
  });
  for (const topic of options.topics) await channel.bindQueue(names.queue, exchange, topic);
  return names;
}

function parseKeys(json: string | undefined): string[] {
  try {
    const keys: unknown = json ? JSON.parse(json) : [];
    return Array.isArray(keys) ? keys.map(String) : [];
  } catch {
    return [];
  }
}

/** A channel call that throws (a closed channel) as a rejected promise. */
const attempt = (fn: () => void): Promise<void> => {
  try {
    fn();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
};

const header = (m: ConsumeMessage, name: string): string | undefined => {
  const value: unknown = m.properties.headers?.[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
};

/**
 * RabbitMQ: the group's quorum queue (see `declareRabbitMqGroup`), consumed with manual acks and
 * a prefetch. An ack follows the handler; a retry holds the message for the delay and then
 * returns it to the queue (`nack` with requeue, which counts `x-delivery-count`); a dead letter
 * is rejected without requeue, so the queue moves it to `rms.<group>.dead-letters`. A delivery
 * left unsettled for `claimIdleMs` (the handler keeps it with `touch`) goes back to the queue. A
 * connection or channel that closes is made again on the next fetch; its unacknowledged messages
 * are delivered again, to this consumer or another of the group.
 */
export class RabbitMqSource implements DeliverySource {
  private connection?: ChannelModel;
  private channel?: Channel;
  private consumerTag?: string;
  private readonly buffer: ConsumeMessage[] = [];
  private wake?: () => void;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: RabbitMqSourceOptions) {}

  async start(): Promise<void> {
    await this.connect();
  }

  /**
   * Connection, channel, the group's queues, prefetch and the consumer. When the connection or
   * the channel closes (a broker restart, a network cut, a channel error, a cancel by the
   * broker), the next fetch connects again; the messages that were unacknowledged go back to the
   * queue, and those still in hand fail to acknowledge (the inbox skips them on redelivery).
   */
  private async connect(): Promise<void> {
    // Loaded here, so that the package needs amqplib only for the rabbitmq driver.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const amqp = require('amqplib') as typeof import('amqplib');
    const connection = await amqp.connect(this.options.url, { timeout: 5_000 });
    connection.on('error', () => undefined);
    try {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      const lost = () => {
        if (this.channel !== channel) return;
        this.channel = undefined;
        this.buffer.length = 0; // their channel is gone: the broker delivers them again
        connection.close().catch(() => undefined);
        this.wake?.();
      };
      channel.on('close', lost);
      connection.on('close', lost);
      const { queue } = await declareRabbitMqGroup(channel, this.options);
      await channel.prefetch(this.options.prefetch ?? 2 * this.options.concurrency);
      const reply = await channel.consume(
        queue,
        (m) => {
          if (!m) return lost(); // the broker cancelled the consumer (queue deleted)
          this.buffer.push(m);
          this.wake?.();
        },
        { noAck: false },
      );
      this.connection = connection;
      this.channel = channel;
      this.consumerTag = reply.consumerTag;
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  /** No more deliveries; those in hand can still be acknowledged until close. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (this.consumerTag) await this.channel?.cancel(this.consumerTag).catch(() => undefined);
  }

  async close(): Promise<void> {
    // Whatever is still unacknowledged (messages waiting for their retry included) goes back to
    // the queue when the channel closes.
    this.timers.forEach((timer) => clearTimeout(timer));
    // The channel first: its close follows the acks written on it, whereas a connection close
    // can overtake acks still buffered, and the broker would deliver those messages again.
    await this.channel?.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }

  async fetch(max: number): Promise<Delivery[]> {
    if (this.stopped || max <= 0) return [];
    // Lost: connect again (a failure is the consumer's onError, and it fetches again soon).
    if (!this.channel) await this.connect();
    if (this.buffer.length === 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, this.options.blockMs);
        this.wake = done;
      });
    }
    if (this.stopped) {
      // Fetched but not handed out: back to the queue with the channel.
      return [];
    }
    return this.buffer.splice(0, max).map((m) => this.delivery(m));
  }

  private delivery(m: ConsumeMessage): Delivery {
    const channel = this.channel!;
    const properties: Record<string, string> = {};
    for (const [key, value] of Object.entries(m.properties.headers ?? {})) {
      if (key.startsWith('x-')) continue; // the broker's own (x-delivery-count, x-death …)
      if (typeof value === 'string') properties[key] = value;
      else if (Buffer.isBuffer(value)) properties[key] = value.toString('utf8');
      else if (typeof value === 'number') properties[key] = String(value);
    }
    // RabbitMQ has no visibility timeout: a message neither acknowledged, retried nor
    // dead-lettered within claimIdleMs (a handler that hangs, an onDeadLetter that threw) goes
    // back to the queue, as other MQs deliver it again after their invisible duration.
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return Promise.resolve();
      settled = true;
      this.clear(idle);
      return attempt(fn);
    };
    const giveBack = () => void settle(() => channel.nack(m, false, true)).catch(() => undefined);
    let idle = this.later(giveBack, this.options.claimIdleMs);
    const keys = header(m, 'rms-keys');
    const prior = Number(header(m, 'x-delivery-count') ?? 0);
    return {
      message: toRmsMessage({
        topic: header(m, 'rms-topic') ?? m.fields.routingKey,
        tag: header(m, 'rms-tag') ?? null,
        keys: parseKeys(keys),
        properties,
        messageGroup: header(m, 'rms-message-group') ?? null,
        body: m.content,
        deliveryCount: (Number.isFinite(prior) ? prior : 0) + 1,
        fallbackId: String(m.properties.messageId ?? m.fields.deliveryTag),
      }),
      ack: () => settle(() => channel.ack(m)),
      // Keeps the message with this consumer for another claimIdleMs.
      touch: () => {
        if (settled) return Promise.resolve();
        this.clear(idle);
        idle = this.later(giveBack, this.options.claimIdleMs);
        return Promise.resolve();
      },
      // Held for the delay, then returned to the queue (which counts the delivery).
      retryLater: (delayMs) => {
        if (settled) return Promise.resolve();
        this.clear(idle);
        idle = this.later(giveBack, delayMs);
        return Promise.resolve();
      },
      deadLetter: () => settle(() => channel.nack(m, false, false)),
    };
  }

  private clear(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** A timer that close() clears (the channel's close returns those messages anyway). */
  private later(fn: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }
}
