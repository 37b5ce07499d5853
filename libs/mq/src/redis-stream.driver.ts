import Redis from 'ioredis';
import { MqDriver, MqReceipt, MqSendError, OutgoingMessage, withTimeout } from './mq-driver';

export interface RedisStreamDriverOptions {
  /** Stream keys are `<keyPrefix><topic>` (default `rms:`). */
  keyPrefix?: string;
  /** Each stream is trimmed to about this many entries (`MAXLEN ~`); default 1,000,000. */
  maxLen?: number;
}

/**
 * Redis Streams as the MQ: each message is `XADD rms:<topic> MAXLEN ~ <maxLen> * …` with fields
 * `tag`, `keys` (JSON), `properties` (JSON), `messageGroup` and `body` (raw bytes). The receipt is
 * the entry id. Consumers read with consumer groups (`XREADGROUP`) and `XACK` after processing.
 * Streams are trimmed approximately (whole radix-tree nodes, so the cost stays constant): the
 * oldest entries go first, so a consumer group must not lag further behind than `maxLen`.
 */
export class RedisStreamDriver implements MqDriver {
  readonly name = 'redis';
  private readonly keyPrefix: string;
  private readonly maxLen: number;

  constructor(
    private readonly redis: Redis,
    options: RedisStreamDriverOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'rms:';
    this.maxLen = options.maxLen ?? 1_000_000;
  }

  static streamKey(topic: string, keyPrefix = 'rms:'): string {
    return `${keyPrefix}${topic}`;
  }

  /** Connects; a Redis that is down is not an error here: sends fail (and are retried) until it is back. */
  async start(): Promise<void> {
    await this.redis.ping().catch(() => undefined);
  }

  async stop(): Promise<void> {
    // QUIT waits for a reconnecting client; never let a shutdown hang on it.
    await withTimeout(this.redis.quit(), 2000, 'quit timed out').catch(() =>
      this.redis.disconnect(),
    );
  }

  async send(message: OutgoingMessage): Promise<MqReceipt> {
    try {
      const id = await this.redis.xadd(
        RedisStreamDriver.streamKey(message.topic, this.keyPrefix),
        'MAXLEN',
        '~',
        this.maxLen,
        '*',
        'tag',
        message.tag ?? '',
        'keys',
        JSON.stringify(message.keys),
        'properties',
        JSON.stringify(message.properties),
        'messageGroup',
        message.messageGroup ?? '',
        'body',
        message.body,
      );
      if (!id) throw new Error('XADD returned no id');
      return { messageId: id };
    } catch (error) {
      throw new MqSendError(`redis XADD failed: ${(error as Error).message}`, false);
    }
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }
}
