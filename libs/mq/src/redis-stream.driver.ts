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
/**
 * The XADDs of a batch to one stream in one command: ARGV is the MAXLEN, then five fields per
 * message. Each XADD runs on its own (`pcall`): a failure answers `!<error>` in that message's
 * place and the others still go. In order, so a batch keeps its order in the stream.
 */
const XADD_ALL = `
local ids = {}
for i = 2, #ARGV, 5 do
  local id = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'tag', ARGV[i],
    'keys', ARGV[i + 1], 'properties', ARGV[i + 2], 'messageGroup', ARGV[i + 3], 'body', ARGV[i + 4])
  if type(id) == 'table' and id.err then id = '!' .. id.err end
  ids[#ids + 1] = id
end
return ids`;

/** Messages and body bytes in one XADD_ALL call, at most (a bigger batch takes several). */
export const BATCH_MAX_MESSAGES = 100;
export const BATCH_MAX_BYTES = 4 * 1024 * 1024;

type BatchRedis = Redis & {
  rmsXaddAll(key: string, ...args: (string | number | Buffer)[]): Promise<string[]>;
};

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
    // EVALSHA, and EVAL when Redis lost the script (a restart, a flush, a failover).
    if (!('rmsXaddAll' in redis))
      redis.defineCommand('rmsXaddAll', { numberOfKeys: 1, lua: XADD_ALL });
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

  /**
   * One command per stream for the whole batch (see XADD_ALL) instead of one per message: the
   * client's cost per command is most of a send's. Each message gets its entry id or its error.
   */
  async sendBatch(messages: OutgoingMessage[]): Promise<(MqReceipt | MqSendError)[]> {
    const results: (MqReceipt | MqSendError)[] = [];
    // One call per stream and chunk: a script holds Redis while it runs, and its arguments are
    // in Redis' memory twice meanwhile. Calls on one connection run in order, so the chunks of a
    // stream keep the batch's order.
    const chunks = new Map<string, number[][]>();
    /** Body bytes of each topic's last chunk. */
    const lastBytes = new Map<string, number>();
    messages.forEach((m, i) => {
      const ofTopic = chunks.get(m.topic) ?? [];
      const last = ofTopic.at(-1);
      const bytes = lastBytes.get(m.topic) ?? 0;
      if (last && last.length < BATCH_MAX_MESSAGES && bytes + m.body.length <= BATCH_MAX_BYTES) {
        last.push(i);
        lastBytes.set(m.topic, bytes + m.body.length);
      } else {
        ofTopic.push([i]);
        lastBytes.set(m.topic, m.body.length);
      }
      chunks.set(m.topic, ofTopic);
    });
    const calls = [...chunks].flatMap(([topic, ofTopic]) =>
      ofTopic.map((indexes) => this.xaddAll(topic, indexes, messages, results)),
    );
    await Promise.all(calls);
    return results;
  }

  /** One XADD_ALL call: fills `results` at `indexes`. */
  private async xaddAll(
    topic: string,
    indexes: number[],
    messages: OutgoingMessage[],
    results: (MqReceipt | MqSendError)[],
  ): Promise<void> {
    const args: (string | number | Buffer)[] = [this.maxLen];
    for (const i of indexes) {
      const m = messages[i];
      args.push(
        m.tag ?? '',
        JSON.stringify(m.keys),
        JSON.stringify(m.properties),
        m.messageGroup ?? '',
        m.body,
      );
    }
    try {
      const ids = await (this.redis as BatchRedis).rmsXaddAll(
        RedisStreamDriver.streamKey(topic, this.keyPrefix),
        ...args,
      );
      indexes.forEach((i, n) => {
        const id = ids[n];
        results[i] =
          typeof id === 'string' && !id.startsWith('!')
            ? { messageId: id }
            : new MqSendError(`redis XADD failed: ${String(id).slice(1)}`, false);
      });
    } catch (error) {
      const e = new MqSendError(`redis XADD failed: ${(error as Error).message}`, false);
      for (const i of indexes) results[i] = e;
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
