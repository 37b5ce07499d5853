import { MESSAGE_STATUS_NAMES, MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { MessageStats } from '../state/message-stats';

/** Fills the backlog gauges from MySQL for a scrape and renders the registry. */
@Injectable()
export class BacklogGaugesService {
  constructor(
    private readonly metrics: MetricsService,
    private readonly stats: MessageStats,
  ) {}

  async scrape(): Promise<string> {
    const backlog = await this.stats.backlog();
    for (const name of MESSAGE_STATUS_NAMES) {
      this.metrics.messages.set({ status: name }, backlog.byStatus[MessageStatus[name]] ?? 0);
    }
    this.metrics.oldestPendingAge.set((backlog.oldestPendingAgeMs ?? 0) / 1000);
    this.metrics.oldestConfirmedAge.set((backlog.oldestConfirmedAgeMs ?? 0) / 1000);
    return this.metrics.registry.metrics();
  }
}
