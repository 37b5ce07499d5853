import { MESSAGE_STATUS_NAMES, MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { Backlog, MessageStats } from '../state/message-stats';

/** The backlog query runs at most this often, however often Prometheus (or anyone) scrapes. */
export const BACKLOG_CACHE_MS = 5_000;

/** Fills the backlog gauges from MySQL for a scrape and renders the registry. */
@Injectable()
export class BacklogGaugesService {
  private cached?: { at: number; backlog: Promise<Backlog> };

  constructor(
    private readonly metrics: MetricsService,
    private readonly stats: MessageStats,
  ) {}

  async scrape(): Promise<string> {
    const backlog = await this.backlog();
    for (const name of MESSAGE_STATUS_NAMES) {
      this.metrics.messages.set({ status: name }, backlog.byStatus[MessageStatus[name]] ?? 0);
    }
    this.metrics.oldestPendingAge.set((backlog.oldestPendingAgeMs ?? 0) / 1000);
    this.metrics.oldestConfirmedAge.set((backlog.oldestConfirmedAgeMs ?? 0) / 1000);
    return this.metrics.registry.metrics();
  }

  /** The last backlog read if it is recent (concurrent scrapes share one read), else a new one. */
  private backlog(): Promise<Backlog> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= BACKLOG_CACHE_MS) {
      const backlog = this.stats.backlog();
      this.cached = { at: now, backlog };
      // A failed read is not kept: the next scrape tries again.
      backlog.catch(() => {
        if (this.cached?.backlog === backlog) this.cached = undefined;
      });
    }
    return this.cached.backlog;
  }
}
