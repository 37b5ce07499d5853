import type Redis from 'ioredis';
import { RmsMessage, toRmsMessage } from '../message';
import { Delivery, DeliverySource } from '../source';

export interface RedisStreamSourceOptions {
  /** A connection to the Redis the service's `redis` driver writes to; it is duplicated for reads. */
  redis: Redis;
  group: string;
  /** This consumer's name in the group. */
  consumer: string;
  topics: string[];
  /** Another consumer's (or a failed) entry is taken over once idle this long. */
  claimIdleMs: number;
  /** How long one read waits for new entries. */
  blockMs: number;
  /** Where a new group starts reading: `0` (the whole stream, default) or `$` (new entries). */
  startFrom?: '0' | '$';
  keyPrefix?: string;
}

type Fields = Buffer[];
type Entry = [Buffer, Fields];

/**
 * Redis Streams, read with a consumer group: XREADGROUP for new entries, XAUTOCLAIM for entries
 * that stayed unacknowledged longer than `claimIdleMs` (a dead consumer's, or one whose handling
 * failed and whose retry is due), XPENDING for their delivery counts, XACK when done, and a
 * dead-letter stream `rms:dlq:<group>:<topic>`.
 */
export class RedisStreamSource implements DeliverySource {
  private blocking?: Redis;
  private stopped = false;
  private nextClaimAt = 0;
  private readonly prefix: string;

  constructor(private readonly options: RedisStreamSourceOptions) {
    this.prefix = options.keyPrefix ?? 'rms:';
  }

  async start(): Promise<void> {
    const { redis, group, topics } = this.options;
    for (const topic of topics) {
      try {
        await redis.xgroup(
          'CREATE',
          this.key(topic),
          group,
          this.options.startFrom ?? '0',
          'MKSTREAM',
        );
      } catch (error) {
        if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
      }
    }
    this.blocking = redis.duplicate();
  }

  /** Interrupts a blocked read; acks go through the caller's own connection. */
  stop(): Promise<void> {
    this.stopped = true;
    this.blocking?.disconnect();
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  async fetch(max: number): Promise<Delivery[]> {
    if (this.stopped || max <= 0) return [];
    if (Date.now() >= this.nextClaimAt) {
      this.nextClaimAt = Date.now() + Math.min(1000, Math.max(50, this.options.claimIdleMs / 4));
      const claimed = await this.claimIdle(max);
      if (claimed.length > 0) return claimed;
    }
    const { group, consumer, topics, blockMs } = this.options;
    let reply: [Buffer, Entry[]][] | null;
    try {
      reply = (await this.blocking!.callBuffer(
        'XREADGROUP',
        'GROUP',
        group,
        consumer,
        'COUNT',
        max,
        'BLOCK',
        blockMs,
        'STREAMS',
        ...topics.map((t) => this.key(t)),
        ...topics.map(() => '>'),
      )) as [Buffer, Entry[]][] | null;
    } catch (error) {
      if (this.stopped) return [];
      throw error;
    }
    return (reply ?? []).flatMap(([key, entries]) =>
      entries.map(([id, fields]) => this.delivery(key.toString(), id.toString(), fields, 1)),
    );
  }

  /** Takes over entries idle longer than `claimIdleMs`, with their delivery counts. */
  private async claimIdle(max: number): Promise<Delivery[]> {
    const { redis, group, consumer, claimIdleMs } = this.options;
    const deliveries: Delivery[] = [];
    for (const topic of this.options.topics) {
      const key = this.key(topic);
      const [, entries, deleted] = (await redis.callBuffer(
        'XAUTOCLAIM',
        key,
        group,
        consumer,
        claimIdleMs,
        '0-0',
        'COUNT',
        max - deliveries.length,
      )) as [Buffer, Entry[], Buffer[]];
      // Entries deleted from the stream while pending cannot be handled: forget them.
      if (deleted?.length) await redis.xack(key, group, ...deleted.map((d) => d.toString()));
      const live = entries.filter((e) => e !== null && e[1] !== null);
      if (live.length === 0) continue;
      const ids = live.map(([id]) => id.toString());
      const pending = (await redis.xpending(
        key,
        group,
        ids[0],
        ids[ids.length - 1],
        ids.length * 2,
        consumer,
      )) as [string, string, number, number][];
      const counts = new Map(pending.map(([id, , , n]) => [id, n]));
      for (const [id, fields] of live) {
        deliveries.push(this.delivery(key, id.toString(), fields, counts.get(id.toString()) ?? 2));
      }
      if (deliveries.length >= max) break;
    }
    return deliveries;
  }

  private delivery(key: string, id: string, fields: Fields, deliveryCount: number): Delivery {
    const { redis, group, consumer, claimIdleMs } = this.options;
    const message = decode(key.slice(this.prefix.length), id, fields, deliveryCount);
    return {
      message,
      ack: async () => {
        await redis.xack(key, group, id);
      },
      touch: async () => {
        await redis.xclaim(key, group, consumer, 0, id, 'JUSTID');
      },
      retryLater: async (delayMs) => {
        // Left pending; its idle time is set so that it is claimable again after the delay.
        const idle = Math.max(0, claimIdleMs - delayMs);
        await redis.xclaim(key, group, consumer, 0, id, 'IDLE', idle, 'JUSTID');
      },
      deadLetter: async (reason) => {
        const dlq = `${this.prefix}dlq:${group}:${message.topic}`;
        await redis.xadd(
          dlq,
          '*',
          ...fields,
          'rms-dlq-reason',
          reason.slice(0, 1024),
          'rms-dlq-deliveries',
          String(message.deliveryCount),
          'rms-dlq-entry',
          id,
        );
        await redis.xack(key, group, id);
      },
    };
  }

  private key(topic: string): string {
    return `${this.prefix}${topic}`;
  }
}

/** The message of a stream entry written by the service's `redis` driver. */
function decode(topic: string, id: string, fields: Fields, deliveryCount: number): RmsMessage {
  const get = (name: string): Buffer | undefined => {
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i].toString() === name) return fields[i + 1];
    }
    return undefined;
  };
  const text = (name: string) => get(name)?.toString('utf8') ?? '';
  const json = <T>(name: string, fallback: T): T => {
    try {
      return JSON.parse(text(name)) as T;
    } catch {
      return fallback;
    }
  };
  return toRmsMessage({
    topic,
    tag: text('tag') || null,
    keys: json<string[]>('keys', []),
    properties: json<Record<string, string>>('properties', {}),
    messageGroup: text('messageGroup') || null,
    body: get('body') ?? Buffer.alloc(0),
    deliveryCount,
    fallbackId: id,
  });
}
