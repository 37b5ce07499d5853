import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RetentionDeletes } from '../state/retention-deletes';

const BATCH = 500;
/** One run deletes at most this many; the next run goes on. */
const MAX_PER_RUN = 50_000;

/** The retention job: SENT and CANCELLED messages older than RETENTION_DAYS are deleted. */
@Injectable()
export class RetentionService implements OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  /** Set when the application stops: no more batches. */
  private closed = false;

  constructor(
    private readonly retention: RetentionDeletes,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async purge(): Promise<number> {
    let total = 0;
    while (total < MAX_PER_RUN && !this.closed) {
      const n = await this.retention.deleteFinished(this.config.retentionDays, BATCH);
      total += n;
      if (n < BATCH) break;
    }
    if (total > 0) {
      this.logger.log({
        msg: 'deleted finished messages',
        count: total,
        olderThanDays: this.config.retentionDays,
      });
    }
    return total;
  }

  /** A run under way stops after its batch (see `CheckBackService.onModuleDestroy`). */
  onModuleDestroy(): void {
    this.closed = true;
  }
}
