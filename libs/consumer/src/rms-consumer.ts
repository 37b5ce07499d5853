import { hostname } from 'node:os';
import type Redis from 'ioredis';
import type { DataSource, EntityManager } from 'typeorm';
import { ConsumerStore } from './consumer-store';
import { Gap, GapTracker } from './gap-tracker';
import { GroupQueue } from './group-queue';
import { RmsMessage } from './message';
import { ReceiptOptions, ReceiptReporter } from './receipt-reporter';
import { Delivery, DeliverySource } from './source';
import { ConsumerStats } from './stats';
import { RedisStreamSource } from './sources/redis-stream-source';
import { RabbitMqSource, RabbitMqSourceOptions } from './sources/rabbitmq-source';
import { RocketMqSource, RocketMqSourceOptions } from './sources/rocketmq-source';

export interface RmsConsumerOptions {
  /** The service's MQ driver: `redis` (Redis Streams), `rocketmq` or `rabbitmq`. */
  driver: 'redis' | 'rocketmq' | 'rabbitmq';
  /** For `redis`: a connection to the Redis the service writes its streams to. */
  redis?: Redis;
  /** For `rocketmq`: the proxy. */
  rocketmq?: Pick<RocketMqSourceOptions, 'endpoints' | 'namespace' | 'accessKey' | 'secretKey'>;
  /**
   * For `rabbitmq`: the broker, the service's exchange, and the prefetch (default 2 ×
   * concurrency). The group reads its quorum queue `rms.<group>` (declared at start).
   */
  rabbitmq?: Pick<RabbitMqSourceOptions, 'url' | 'exchange' | 'prefetch'>;
  /** The consumer group: every group gets every message once. */
  group: string;
  topics: string[];
  /** Handles one message; with a `dataSource`, inside the transaction that records it in the inbox. */
  handler: (message: RmsMessage, tx?: EntityManager) => Promise<void>;
  /** The consumer's own database: de-duplication (inbox) and gap state survive restarts. */
  dataSource?: DataSource;
  /** This process's name in the group; default host-pid. */
  consumerName?: string;
  /** Messages handled at once (one at a time per messageGroup); default 8. */
  concurrency?: number;
  /** Deliveries before a message goes to the dead letters; default 16. */
  maxDeliveries?: number;
  /** An unacknowledged message is delivered again after this long; default 30,000 ms. */
  claimIdleMs?: number;
  /** First retry delay after a handler error, doubling; default 1,000 ms. */
  retryBaseMs?: number;
  /** A gap in `rms-seq` still open this long is reported; default 60,000 ms. */
  gapWindowMs?: number;
  /** How long one read waits for new messages; default 1,000 ms. */
  blockMs?: number;
  /**
   * Report handled messages to the service (`POST /v1/receipts`) with the consumer group's key,
   * for reconciliation: what the group never reports shows up as missing.
   */
  receipts?: ReceiptOptions;
  onGap?: (gap: Gap) => void;
  /**
   * Called before the message is acknowledged as dead (awaited when it returns a promise): if it
   * throws, the message is not acknowledged and comes back.
   */
  onDeadLetter?: (message: RmsMessage, error: unknown) => unknown;
  onError?: (error: unknown, message?: RmsMessage) => void;
}

/**
 * A consumer that never loses or double-applies a message: it acknowledges only after the
 * handler (and its inbox row) committed, skips what its group already handled, retries failures
 * with backoff up to `maxDeliveries` and then dead-letters them, handles each messageGroup in
 * order, and reports gaps in the service's sequence numbers.
 */
export class RmsConsumer {
  readonly stats = new ConsumerStats();
  private readonly source: DeliverySource;
  private readonly store?: ConsumerStore;
  private readonly gaps: GapTracker;
  private readonly receipts?: ReceiptReporter;
  private readonly groups = new GroupQueue();
  private readonly inFlight = new Set<Promise<void>>();
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  /** The checkpoint under way, if any (they run one at a time). */
  private checkpointing?: Promise<void>;
  private running = false;
  /** Groups whose message in hand was left unacknowledged at the stop. */
  private readonly abandoned = new Set<string>();
  private readonly wakeRetries = new Set<() => void>();
  private readonly o: Required<
    Pick<
      RmsConsumerOptions,
      'concurrency' | 'maxDeliveries' | 'claimIdleMs' | 'retryBaseMs' | 'gapWindowMs' | 'blockMs'
    >
  >;

  constructor(private readonly options: RmsConsumerOptions) {
    this.o = {
      concurrency: options.concurrency ?? 8,
      maxDeliveries: options.maxDeliveries ?? 16,
      claimIdleMs: options.claimIdleMs ?? 30_000,
      retryBaseMs: options.retryBaseMs ?? 1_000,
      gapWindowMs: options.gapWindowMs ?? 60_000,
      blockMs: options.blockMs ?? 1_000,
    };
    this.gaps = new GapTracker(this.o.gapWindowMs);
    if (options.dataSource) this.store = new ConsumerStore(options.dataSource);
    if (options.receipts) {
      const store = this.store;
      this.receipts = new ReceiptReporter(
        options.receipts,
        (e) => this.options.onError?.(e),
        store && {
          pairs: () => store.handledPairs(options.group),
          seqs: (producerId, topic, holes, after, limit) =>
            store.handledSeqs(options.group, producerId, topic, holes, after, limit),
        },
      );
    }
    const consumer = options.consumerName ?? `${hostname()}-${process.pid}`;
    const common = { group: options.group, topics: options.topics, consumer, ...this.o };
    if (options.driver === 'redis') {
      if (!options.redis) throw new Error('@rms/consumer: the redis driver needs `redis`');
      this.source = new RedisStreamSource({ ...common, redis: options.redis });
    } else if (options.driver === 'rabbitmq') {
      if (!options.rabbitmq) throw new Error('@rms/consumer: the rabbitmq driver needs `rabbitmq`');
      this.source = new RabbitMqSource({ ...common, ...options.rabbitmq });
    } else {
      if (!options.rocketmq) throw new Error('@rms/consumer: the rocketmq driver needs `rocketmq`');
      this.source = new RocketMqSource({ ...common, ...options.rocketmq });
    }
  }

  /** Creates the inbox tables when missing, restores the gap state, and starts consuming. */
  async start(): Promise<void> {
    if (this.store) {
      await this.store.ensureSchema();
      for (const s of (await this.store.loadSequences(this.options.group)).values()) {
        this.gaps.restore(s.producerId, s.topic, s);
      }
    }
    await this.source.start();
    this.receipts?.start();
    this.running = true;
    this.timer = setInterval(() => void this.checkpoint(), Math.min(1000, this.o.gapWindowMs / 4));
    this.loop = this.consume();
  }

  /**
   * Stops fetching, finishes and acknowledges the messages in hand, saves the gap state, then
   * releases the MQ connection. A message of a group whose earlier message is waiting to be
   * retried is left unacknowledged (delivered again later, in order).
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    this.wakeRetries.forEach((wake) => wake());
    await this.source.stop();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    await this.checkpointing; // one the timer started: then one with everything handled
    await this.checkpoint();
    await this.receipts?.stop();
    await this.source.close();
  }

  private async consume(): Promise<void> {
    while (this.running) {
      const room = this.o.concurrency - this.inFlight.size;
      if (room <= 0) {
        await Promise.race(this.inFlight);
        continue;
      }
      let deliveries: Delivery[];
      try {
        deliveries = await this.source.fetch(room);
      } catch (error) {
        this.options.onError?.(error);
        await sleep(500);
        continue;
      }
      for (const d of deliveries) {
        // Received is not lost: a message in hand (even one being retried) closes its hole.
        const { producerId, topic, seq } = d.message;
        if (seq !== null) this.gaps.observe(producerId, topic, seq);
        // Kept from the fetch on, not from its turn: a message waiting behind its group's retried
        // one would go idle, and the MQ would hand it to another consumer, out of order.
        const keepAlive = setInterval(
          () => void d.touch().catch(() => undefined),
          this.o.claimIdleMs / 2,
        );
        const run = this.groups
          .run(d.message.messageGroup, () => this.handle(d))
          .finally(() => clearInterval(keepAlive));
        this.inFlight.add(run);
        void run.finally(() => this.inFlight.delete(run));
      }
    }
  }

  private async handle(delivery: Delivery): Promise<void> {
    const { message } = delivery;
    const group = message.messageGroup;
    // An earlier message of this group was left for later at the stop: so is this one.
    if (group !== null && this.abandoned.has(group)) return;
    for (;;) {
      let outcome: 'handled' | 'duplicate';
      try {
        outcome = this.store
          ? await this.store.handleOnce(this.options.group, message, (tx) =>
              this.options.handler(message, tx),
            )
          : (await this.options.handler(message), 'handled');
      } catch (error) {
        this.options.onError?.(error, message);
        if (group === null || message.deliveryCount >= this.o.maxDeliveries) {
          await this.failed(delivery, error).catch((e: unknown) =>
            this.options.onError?.(e, message),
          );
          return;
        }
        // A group's message is retried here, holding back the group's later messages.
        this.stats.count('retried');
        if (!(await this.pause(this.retryDelay(message)))) {
          this.abandoned.add(group);
          return;
        }
        message.deliveryCount += 1;
        continue;
      }
      this.stats.count(outcome === 'handled' ? 'handled' : 'duplicates');
      if (message.seq !== null) this.receipts?.add(message.producerId, message.topic, message.seq);
      // The work is committed: an ack that fails is no handler failure (the MQ delivers the
      // message again, and the inbox skips it).
      await delivery.ack().catch((e: unknown) => this.options.onError?.(e, message));
      return;
    }
  }

  private async failed(delivery: Delivery, error: unknown): Promise<void> {
    const { message } = delivery;
    if (message.deliveryCount >= this.o.maxDeliveries) {
      // The callback first: if it throws, the message is not acknowledged and comes back.
      await Promise.resolve(this.options.onDeadLetter?.(message, error));
      await delivery.deadLetter(error instanceof Error ? error.message : String(error));
      this.stats.count('deadLettered');
      return;
    }
    this.stats.count('retried');
    await delivery.retryLater(this.retryDelay(message));
  }

  private retryDelay(message: RmsMessage): number {
    return Math.min(this.o.retryBaseMs * 2 ** (message.deliveryCount - 1), this.o.claimIdleMs);
  }

  /** Waits `ms`; false when the consumer stopped meanwhile. */
  private pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (!this.running) return resolve(false);
      const wake = () => {
        clearTimeout(timer);
        this.wakeRetries.delete(wake);
        resolve(this.running);
      };
      const timer = setTimeout(wake, ms);
      this.wakeRetries.add(wake);
    });
  }

  /** Reports the gaps that are due, and persists them with the watermarks; one at a time. */
  private checkpoint(): Promise<void> {
    this.checkpointing ??= this.saveAndReport().finally(() => (this.checkpointing = undefined));
    return this.checkpointing;
  }

  private async saveAndReport(): Promise<void> {
    let due: Gap[] = [];
    try {
      const store = this.store;
      if (store) await this.receivedByOthers(store);
      due = this.gaps.due();
      // Each gap reported as soon as it is stored: another process of the group that saw the
      // same hole and stored it first reports it instead.
      for (; store && due.length > 0; due.shift()) {
        const part = await store.saveGap(this.options.group, due[0]);
        if (part) this.report(part);
      }
      await store?.saveWatermarks(this.options.group, this.gaps.watermarks());
    } catch (error) {
      this.options.onError?.(error);
    }
    // What is due and could not be stored is reported all the same: it has left the tracker.
    for (const gap of due) this.report(gap);
  }

  private report(gap: Gap): void {
    this.stats.count('gapsReported');
    this.stats.count('gapMessages', gap.toSeq - gap.fromSeq + 1);
    try {
      this.options.onGap?.(gap);
    } catch (error) {
      try {
        this.options.onError?.(error);
      } catch {
        // The caller's callbacks fail alone: the other gaps are still reported.
      }
    }
  }

  /**
   * Counts as received what the group's inbox holds in the holes that are due: a group consumed
   * by several processes has the MQ split its messages between them, so each sees holes where
   * the others' messages went, and those are no gap. When the inbox cannot be read, nothing is
   * reported this time (the holes stay open and are checked again).
   */
  private async receivedByOthers(store: ConsumerStore): Promise<void> {
    for (const r of await store.handledInGaps(this.options.group, this.gaps.dueSoon())) {
      this.gaps.observe(r.producerId, r.topic, r.seq);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
