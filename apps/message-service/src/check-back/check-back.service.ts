import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { AlertService } from '../alerts/alert.service';
import { backoffMs } from '../common/backoff';
import { MetricsService } from '../metrics/metrics.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Producer } from '../producers/producer';
import { ProducerRepository } from '../producers/producer.repository';
import { CheckBackClient, CheckBackResult } from './check-back.client';
import { CheckBackClaims, PendingMessage } from '../state/check-back-claims';
import { isAllowedCheckBackUrl } from '../producers/check-back-origins';
import { outcomeOf } from './check-back-outcome';
import { KeyedLimiter } from '../common/keyed-limiter';

/** How many PENDING messages one claim takes. */
const BATCH_SIZE = 100;
/** A sweep stops after this many batches so that one run cannot hog a worker. */
const MAX_BATCHES_PER_SWEEP = 20;
/** Consecutive failed check-backs of a producer that raise an alert (then every doubling). */
const ALERT_AFTER_FAILURES = 5;
const PRODUCER_CACHE_MS = 5_000;

/**
 * Resolves stale PENDING messages by asking the business (check-back). The answer mapping is
 * strict: COMMITTED confirms and delivers, ROLLED_BACK (or 409) cancels, UNKNOWN (or 404/425)
 * retries until the give-up window has passed, and anything else is an error that is retried
 * with capped backoff forever and never decides anything.
 */
@Injectable()
export class CheckBackService implements OnModuleDestroy {
  private readonly limiter = new KeyedLimiter();
  private readonly producers = new Map<string, { producer: Producer | undefined; until: number }>();
  private readonly failures = new Map<string, number>();
  /** Set when the application stops: no new claims. */
  private closed = false;

  constructor(
    private readonly claims: CheckBackClaims,
    private readonly client: CheckBackClient,
    private readonly producerRepository: ProducerRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly alerts: AlertService,
  ) {}

  /** Checks back every due PENDING message, batch by batch; returns how many were checked. */
  async sweep(): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES_PER_SWEEP && !this.closed; i++) {
      const leaseMs = this.leaseMs(BATCH_SIZE);
      const batch = await this.claims.claim(BATCH_SIZE, leaseMs);
      await this.extendLeases(batch, leaseMs);
      await Promise.all(batch.map((m) => this.checkOne(m)));
      total += batch.length;
      if (batch.length < BATCH_SIZE) break;
    }
    return total;
  }

  /**
   * A sweep under way claims no more batches. On the first hook of the stop: the job workers
   * wait for running sweeps in theirs (`beforeApplicationShutdown`), which Nest calls before
   * this module's.
   */
  onModuleDestroy(): void {
    this.closed = true;
  }

  /** Checks back one message now if it is PENDING and not being checked; false otherwise. */
  async checkNow(id: string): Promise<boolean> {
    const [message] = await this.claims.claim(1, this.leaseMs(1), [id]);
    if (!message) return false;
    await this.extendLeases([message], this.leaseMs(1));
    await this.checkOne(message);
    return true;
  }

  /**
   * The lease of a claim: long enough for `n` messages to be checked at the concurrency, each
   * call taking its full timeout (the service defaults unless a producer's policy is given).
   */
  private leaseMs(n: number, producer?: Producer): number {
    const timeoutMs = producer?.policy.checkBackTimeoutMs ?? this.config.checkBack.timeoutMs;
    const concurrency = producer?.policy.checkBackConcurrency ?? this.config.checkBack.concurrency;
    return timeoutMs * (Math.ceil(n / concurrency) + 1);
  }

  /**
   * A claim's lease is sized by the service defaults; a producer with a longer timeout or a
   * lower concurrency gets its messages' lease extended, so that no other instance takes them
   * while they still wait for their turn.
   */
  private async extendLeases(batch: PendingMessage[], claimedMs: number): Promise<void> {
    const byProducer = new Map<string, PendingMessage[]>();
    for (const m of batch)
      byProducer.set(m.producerId, [...(byProducer.get(m.producerId) ?? []), m]);
    for (const [producerId, messages] of byProducer) {
      const producer = await this.producer(producerId);
      const needed = this.leaseMs(messages.length, producer);
      if (producer && needed > claimedMs) {
        await this.claims.extendLease(messages, needed);
      }
    }
  }

  private async checkOne(message: PendingMessage): Promise<void> {
    const attempt = message.checkBackCount + 1;
    const retryInMs = backoffMs(attempt, this.config.retry.baseMs, this.config.retry.maxMs);
    const producer = await this.producer(message.producerId);
    if (!producer) {
      await this.claims.record(message, {
        kind: 'retry',
        retryInMs,
        failMsg: 'producer not found',
        detail: { attempt, error: 'producer not found', retryInMs },
      });
      return;
    }
    const timeoutMs = producer.policy.checkBackTimeoutMs ?? this.config.checkBack.timeoutMs;
    const concurrency = producer.policy.checkBackConcurrency ?? this.config.checkBack.concurrency;
    const url = message.msgLogUrl ?? producer.checkBackUrl;
    if (!isAllowedCheckBackUrl(producer, url)) {
      // The producer's origins changed since the prepare: never call an origin it no longer owns.
      const error = `msgLogUrl ${new URL(url).origin} is not among the producer's check-back origins any more`;
      return this.record(message, producer, attempt, retryInMs, {
        kind: 'error',
        error,
        httpStatus: null,
        latencyMs: 0,
      });
    }
    const result = await this.limiter.run(producer.id, concurrency, () =>
      this.client.check({
        url,
        producerId: producer.id,
        signingSecret: producer.signingSecret,
        msgLogId: message.msgLogId,
        messageId: message.id,
        topic: message.topic,
        timeoutMs,
      }),
    );
    await this.record(message, producer, attempt, retryInMs, result);
  }

  private async record(
    message: PendingMessage,
    producer: Producer,
    attempt: number,
    retryInMs: number,
    result: CheckBackResult,
  ): Promise<void> {
    this.metrics.checkBacks.inc({
      producer: producer.id,
      outcome: result.kind === 'answer' ? result.answer : 'error',
    });
    this.metrics.checkBackSeconds.observe({ producer: producer.id }, result.latencyMs / 1000);
    if (result.kind === 'error') this.noteFailure(producer.id, result.error);
    else this.failures.delete(producer.id);
    const giveUpMs = producer.policy.checkBackGiveUpMs ?? this.config.checkBack.giveUpMs;
    await this.claims.record(message, outcomeOf(message, giveUpMs, attempt, retryInMs, result));
  }

  /** Repeated failures of one producer's check-backs raise an alert: at 5 in a row, 10, 20, … */
  private noteFailure(producerId: string, error: string): void {
    const count = (this.failures.get(producerId) ?? 0) + 1;
    this.failures.set(producerId, count);
    if (
      count >= ALERT_AFTER_FAILURES &&
      Number.isInteger(Math.log2(count / ALERT_AFTER_FAILURES))
    ) {
      this.alerts.raise({
        type: 'CHECK_BACK_FAILING',
        producerId,
        consecutiveFailures: count,
        error,
      });
    }
  }

  private async producer(id: string): Promise<Producer | undefined> {
    const cached = this.producers.get(id);
    if (cached && cached.until > Date.now()) return cached.producer;
    const producer = await this.producerRepository.findById(id);
    this.producers.set(id, { producer, until: Date.now() + PRODUCER_CACHE_MS });
    return producer;
  }
}
