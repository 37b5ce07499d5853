import { MESSAGE_STATUS_NAMES, MessageStatus } from '@app/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { CachedRead } from '../common/cached-read';
import { ReconciliationService } from '../consumers/reconciliation.service';
import { MetricsService } from '../metrics/metrics.service';
import { Backlog, MessageStats } from '../state/message-stats';
import { DEPENDENCIES, Readiness, ReadinessResult } from './readiness';

/** The backlog query runs at most this often, however often Prometheus (or anyone) scrapes. */
export const BACKLOG_CACHE_MS = 5_000;
/** The consumer groups' reconciliation (a few queries per group and pair) at most this often. */
export const CONSUMERS_CACHE_MS = 15_000;

type ConsumerGauges = Awaited<ReturnType<ReconciliationService['gauges']>>;

/**
 * Fills the backlog and consumer gauges from MySQL, and the readiness gauges from a round trip to
 * each dependency, for a scrape (each at most every few seconds), and renders the registry.
 */
@Injectable()
export class BacklogGaugesService {
  private readonly logger = new Logger('Metrics');
  private readonly backlog: CachedRead<Backlog>;
  private readonly consumers: CachedRead<ConsumerGauges>;
  private readonly readiness: CachedRead<ReadinessResult>;

  constructor(
    private readonly metrics: MetricsService,
    stats: MessageStats,
    reconciliation: ReconciliationService,
    readiness: Readiness,
  ) {
    this.readiness = new CachedRead(BACKLOG_CACHE_MS, () => readiness.check());
    this.backlog = new CachedRead(BACKLOG_CACHE_MS, () => stats.backlog());
    this.consumers = new CachedRead(CONSUMERS_CACHE_MS, () => reconciliation.gauges());
  }

  async scrape(): Promise<string> {
    // Readiness first and never failing: while MySQL is down the scrape still answers, with
    // rms_dependency_up{dependency="mysql"} 0, and the MySQL gauges keep their last values.
    const { ok, details } = await this.readiness.get();
    this.metrics.ready.set(ok ? 1 : 0);
    for (const dependency of DEPENDENCIES) {
      this.metrics.dependencyUp.set({ dependency }, details[dependency]?.status === 'up' ? 1 : 0);
    }
    const backlog = await this.backlog.get().catch((error: unknown) => {
      this.logger.warn(`backlog gauges not refreshed: ${(error as Error).message}`);
      return undefined;
    });
    if (backlog) this.fillBacklog(backlog);
    // A reconciliation that fails leaves the consumer gauges as they were, not the scrape failed.
    const consumers = await this.consumers.get().catch((error: unknown) => {
      this.logger.warn(`consumer gauges not refreshed: ${(error as Error).message}`);
      return undefined;
    });
    if (consumers) this.fillConsumers(consumers);
    return this.metrics.registry.metrics();
  }

  private fillBacklog(backlog: Backlog): void {
    for (const name of MESSAGE_STATUS_NAMES) {
      this.metrics.messages.set({ status: name }, backlog.byStatus[MessageStatus[name]] ?? 0);
    }
    this.metrics.oldestPendingAge.set((backlog.oldestPendingAgeMs ?? 0) / 1000);
    this.metrics.oldestConfirmedAge.set((backlog.oldestConfirmedAgeMs ?? 0) / 1000);
    this.metrics.blockedGroups.set(backlog.blockedGroups);
  }

  private fillConsumers(consumers: ConsumerGauges): void {
    this.metrics.unconsumed.reset();
    this.metrics.consumerWatermark.reset();
    for (const { key, watermark, missing } of consumers) {
      const labels = {
        group: key.consumerGroup!,
        producer: key.producerId!,
        topic: this.metrics.topic(key.topic!),
      };
      this.metrics.unconsumed.inc(labels, missing);
      this.metrics.consumerWatermark.set(labels, watermark);
    }
  }
}
