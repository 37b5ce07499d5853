import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { WebhookClient } from './webhook.client';

export type Alert =
  | {
      type: 'MESSAGE_FAILED';
      messageId: string;
      producerId: string;
      topic: string;
      attempts: number;
      error: string;
    }
  | {
      type: 'GROUP_BLOCKED';
      producerId: string;
      topic: string;
      messageGroup: string;
      messageId: string;
    }
  | { type: 'CHECK_BACK_FAILING'; producerId: string; consecutiveFailures: number; error: string }
  | {
      type: 'UNCONSUMED_MESSAGES';
      consumerGroup: string;
      producerId: string;
      topic: string;
      missing: number;
      oldestMissingAgeMs: number;
      firstMissingSeq: number;
      firstMissingMessageId: string;
    };

const ATTEMPTS = 4;

/**
 * Raises alerts: an error log line and a metric always, and a JSON POST to ALERT_WEBHOOK_URL
 * when set, retried with backoff in the background so that it never holds up delivery.
 */
@Injectable()
export class AlertService {
  private readonly logger = new Logger('Alert');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly webhook: WebhookClient,
  ) {}

  raise(alert: Alert): void {
    this.metrics.alerts.inc({ type: alert.type });
    this.logger.error({ alert: alert.type, ...alert });
    if (this.config.alertWebhookUrl) void this.post(this.config.alertWebhookUrl, alert);
  }

  private async post(url: string, alert: Alert): Promise<void> {
    const body = JSON.stringify({ service: 'rms', at: new Date().toISOString(), ...alert });
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        await this.webhook.post(url, body);
        return;
      } catch (error) {
        if (attempt === ATTEMPTS) {
          this.logger.warn(
            `alert webhook gave up after ${ATTEMPTS} attempts: ${(error as Error).message}`,
          );
          return;
        }
        await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
      }
    }
  }
}
