import { MqDriver, MqReceipt, MqSendError, withTimeout } from '@app/mq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertService } from '../alerts/alert.service';
import { backoffMs } from '../common/backoff';
import { MetricsService } from '../metrics/metrics.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MQ_DRIVER } from '../mq/mq.module';
import { ClaimedMessage, DeliveryClaims, DueClaim } from '../state/delivery-claims';
import { AttemptOutcome, DeliveryCompletions } from '../state/delivery-completions';
import { toOutgoingMessage } from './outgoing-message';

/** How many messages one claim takes. */
export const DELIVERY_BATCH_SIZE = 100;

/**
 * Sends claimed messages and records the outcome: SENT with the broker's receipt, a retry with
 * exponential backoff, or FAILED once attempts are exhausted or the error can never succeed.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger('Delivery');

  constructor(
    private readonly claims: DeliveryClaims,
    private readonly completions: DeliveryCompletions,
    @Inject(MQ_DRIVER) private readonly mq: MqDriver,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly alerts: AlertService,
  ) {}

  /** Delivers those of `ids` that are due and unclaimed; returns how many were attempted. */
  async deliverIds(ids: string[]): Promise<number> {
    const claimed = await this.claims.claimIds(ids, this.config.claimTimeoutMs);
    await this.attempt(claimed);
    return claimed.length;
  }

  /** Claims one batch of due messages and delivers it; returns how many were attempted. */
  async deliverDue(limit = DELIVERY_BATCH_SIZE): Promise<number> {
    const { messages } = await this.claimDue(limit);
    await this.attempt(messages);
    return messages.length;
  }

  /** Claims up to `limit` due messages (oldest due first) for `attempt` (see `DueClaim`). */
  claimDue(limit: number): Promise<DueClaim> {
    return this.claims.claimDue(limit, this.config.claimTimeoutMs);
  }

  /**
   * Sends claimed messages and records the outcomes. A send must end within the send timeout of
   * its claim (`claimedAt`), well inside the lease, or another instance could claim and send the
   * message again meanwhile: one that waited so long that less than a quarter of that time is
   * left is not sent here; its claim runs out and the sweep sends it.
   */
  async attempt(all: ClaimedMessage[]): Promise<void> {
    const started = Date.now();
    const window = this.sendTimeoutMs;
    const deadline = (m: ClaimedMessage) => (m.claimedAt ?? started) + window;
    const claimed = all.filter((m) => deadline(m) - started >= window / 4);
    if (claimed.length < all.length) {
      this.logger.warn(
        `${all.length - claimed.length} claimed message(s) waited too long to be sent in their ` +
          `lease: left to the sweep`,
      );
    }
    if (claimed.length === 0) return;
    const outcomes = await this.sendAll(claimed, Math.min(...claimed.map(deadline)) - started);
    const result = await this.completions.complete(outcomes);
    const sent = new Set(result.sent);
    const failed = new Set(result.failed);
    this.metrics.sendsOf(outcomes.map((o) => ({ topic: o.message.topic, outcome: o.kind })));
    for (const o of outcomes) {
      const { id, producerId, topic, attempt } = o.message;
      if (sent.has(id)) {
        // From the confirm to the claim, then to this batch's start, then to the receipt.
        const queuedMs = o.message.claimedAt === undefined ? 0 : started - o.message.claimedAt;
        this.metrics.confirmToReceipt.observe(
          (o.message.waitedMs + Math.max(0, queuedMs) + o.latencyMs) / 1000,
        );
      } else if (failed.has(id) && o.kind === 'failed') {
        this.alerts.raise({
          type: 'MESSAGE_FAILED',
          messageId: id,
          producerId,
          topic,
          attempts: attempt,
          error: o.error,
        });
        // Nothing after it in its group is sent until an operator resends or cancels it.
        const group = o.message.messageGroup;
        if (group !== null) {
          this.alerts.raise({
            type: 'GROUP_BLOCKED',
            producerId,
            topic,
            messageGroup: group,
            messageId: id,
          });
        }
      }
    }
  }

  /** How long after its claim a send may end: half the lease, leaving the rest to record it. */
  private get sendTimeoutMs(): number {
    return Math.floor(this.config.claimTimeoutMs / 2);
  }

  /**
   * Sends a batch, each send cut off after `timeout` ms: in one call where the driver takes
   * batches, otherwise one send each.
   */
  private async sendAll(claimed: ClaimedMessage[], timeout: number): Promise<AttemptOutcome[]> {
    const batch = this.mq.sendBatch?.bind(this.mq);
    if (!batch) return Promise.all(claimed.map((m) => this.sendOne(m, timeout)));
    const started = Date.now();
    const results = await withTimeout(
      batch(claimed.map(toOutgoingMessage)),
      timeout,
      `send timed out after ${timeout} ms`,
    ).catch((error: unknown) => claimed.map(() => error));
    const latencyMs = Date.now() - started;
    return claimed.map((m, i) => this.outcome(m, results[i], latencyMs));
  }

  private async sendOne(message: ClaimedMessage, timeout: number): Promise<AttemptOutcome> {
    const started = Date.now();
    const result = await withTimeout(
      this.mq.send(toOutgoingMessage(message)),
      timeout,
      `send timed out after ${timeout} ms`,
    ).catch((error: unknown) => error);
    return this.outcome(message, result, Date.now() - started);
  }

  /** The outcome of one send: its receipt, or its error (a retry, or FAILED). */
  private outcome(message: ClaimedMessage, result: unknown, latencyMs: number): AttemptOutcome {
    if (!(result instanceof Error) && typeof (result as MqReceipt)?.messageId === 'string') {
      return { kind: 'sent', message, mqMessageId: (result as MqReceipt).messageId, latencyMs };
    }
    const permanent = result instanceof MqSendError && result.permanent;
    const text = (result as Error)?.message ?? String(result);
    if (permanent || message.attempt >= this.config.delivery.maxAttempts) {
      return { kind: 'failed', message, error: text, permanent, latencyMs };
    }
    const retryInMs = backoffMs(message.attempt, this.config.retry.baseMs, this.config.retry.maxMs);
    this.logger.warn(
      `message ${message.id} attempt ${message.attempt} failed, retry in ${retryInMs} ms: ${text}`,
    );
    return { kind: 'retry', message, error: text, retryInMs, latencyMs };
  }
}
