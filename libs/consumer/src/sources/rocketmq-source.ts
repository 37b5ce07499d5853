import type { MessageView, SimpleConsumer } from 'rocketmq-client-nodejs';
import { toRmsMessage } from '../message';
import { Delivery, DeliverySource } from '../source';

export interface RocketMqSourceOptions {
  endpoints: string;
  namespace?: string;
  accessKey?: string;
  secretKey?: string;
  group: string;
  topics: string[];
  /** A received message is invisible to the group this long (then delivered again). */
  claimIdleMs: number;
  /** How long one receive waits (long polling). */
  blockMs: number;
}

const STARTUP_TIMEOUT_MS = 10_000;
const quiet = {
  info: () => undefined,
  debug: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * RocketMQ 5 through its proxy, with a `SimpleConsumer`: receive with an invisible duration,
 * ack after handling, `changeInvisibleDuration` to retry later or to keep a long handler's
 * message. Dead letters are acknowledged after `onDeadLetter` (the broker's own DLQ is for
 * consumers that never ack). `changeInvisibleDuration` of the client renews the view's receipt
 * handle, so a later ack uses the current one.
 */
export class RocketMqSource implements DeliverySource {
  private consumer?: SimpleConsumer;
  private stopped = false;

  constructor(private readonly options: RocketMqSourceOptions) {}

  async start(): Promise<void> {
    // Loaded here, so that the package does not need the RocketMQ client for the redis driver.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const client = require('rocketmq-client-nodejs') as typeof import('rocketmq-client-nodejs');
    const Consumer = client.SimpleConsumer;
    const { endpoints, namespace, accessKey, secretKey, group, topics, blockMs } = this.options;
    this.consumer = new Consumer({
      endpoints,
      namespace: namespace ?? '',
      consumerGroup: group,
      subscriptions: new Map(topics.map((t) => [t, '*'])),
      awaitDuration: blockMs,
      logger: quiet,
      ...(accessKey && secretKey
        ? { sessionCredentials: { accessKey, accessSecret: secretKey } }
        : {}),
    });
    await withTimeout(this.consumer.startup(), STARTUP_TIMEOUT_MS, 'rocketmq consumer startup');
  }

  /** A receive under way returns within `blockMs` (long polling); acks still work until close. */
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await withTimeout(this.consumer!.shutdown(), 5_000, 'rocketmq consumer shutdown').catch(
      () => undefined,
    );
  }

  async fetch(max: number): Promise<Delivery[]> {
    if (this.stopped || max <= 0) return [];
    let views: MessageView[];
    try {
      views = await this.consumer!.receive(Math.min(max, 32), this.options.claimIdleMs);
    } catch (error) {
      if (this.stopped) return [];
      throw error;
    }
    return views.map((mv) => this.delivery(mv));
  }

  private delivery(mv: MessageView): Delivery {
    const consumer = this.consumer!;
    // One call at a time: a change of invisible duration renews the receipt handle and voids the
    // old one, so an ack sent meanwhile would fail and the message would come back.
    let last: Promise<unknown> = Promise.resolve();
    const inTurn = (call: () => Promise<void>): Promise<void> => {
      const next = last.then(call, call);
      last = next.catch(() => undefined);
      return next;
    };
    // Once acknowledged or handed back for a retry, a keep-alive would undo the retry's delay;
    // and one keep-alive waiting is enough.
    let settled = false;
    let touching = false;
    const settle = (call: () => Promise<void>) => {
      settled = true;
      return inTurn(call);
    };
    return {
      message: toRmsMessage({
        topic: mv.topic,
        // Unset protobuf strings read as '': no tag, no group.
        tag: mv.tag || null,
        keys: mv.keys,
        properties: Object.fromEntries(mv.properties),
        messageGroup: mv.messageGroup || null,
        body: mv.body,
        deliveryCount: mv.deliveryAttempt ?? 1,
        fallbackId: mv.messageId,
      }),
      ack: () => settle(() => consumer.ack(mv)),
      touch: () => {
        if (settled || touching) return Promise.resolve();
        touching = true;
        return inTurn(() => consumer.changeInvisibleDuration(mv, this.options.claimIdleMs)).finally(
          () => (touching = false),
        );
      },
      retryLater: (delayMs) =>
        settle(() => consumer.changeInvisibleDuration(mv, Math.max(1000, delayMs))),
      deadLetter: () => settle(() => consumer.ack(mv)),
    };
  }
}
