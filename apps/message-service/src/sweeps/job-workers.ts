import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { CheckBackService } from '../check-back/check-back.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DeliveryDispatcher } from '../delivery/delivery-dispatcher';
import { DeliveryService } from '../delivery/delivery.service';
import { remainingGraceMs } from '../common/shutdown-deadline';
import { JobQueue } from '../queue/job-queue';
import { JobWorker } from '../queue/job-worker';
import { JobName, JobPayloads, QueueName, SCHEDULED_IN } from '../queue/jobs';
import { RetentionService } from '../retention/retention.service';
import { ReconciliationService } from '../consumers/reconciliation.service';
import { SweepScheduler } from './sweep-scheduler';

/**
 * The job processors of an instance that runs workers (ROLE=worker or all): the scheduled jobs,
 * one at a time per queue (see `SCHEDULED_IN`: the delivery sweep and the check-back sweep run
 * side by side), and deliveries handed over by API-only instances. Closed before the database
 * and the MQ driver go away, so that no job is cut off half-way by the shutdown.
 */
@Injectable()
export class JobWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('JobWorkers');
  private readonly workers: JobWorker[] = [];

  constructor(
    private readonly dispatcher: DeliveryDispatcher,
    private readonly delivery: DeliveryService,
    private readonly scheduler: SweepScheduler,
    private readonly jobQueue: JobQueue,
    private readonly checkBack: CheckBackService,
    private readonly retention: RetentionService,
    private readonly reconciliation: ReconciliationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.role === 'api') return;
    const options = { redisUrl: this.config.redisUrl, prefix: this.config.queuePrefix };
    this.workers.push(
      ...[...new Set(Object.values(SCHEDULED_IN))].map(
        (queue) =>
          new JobWorker(queue, (name) => this.sweep(queue, name), { ...options, concurrency: 1 }),
      ),
      new JobWorker(
        QueueName.DELIVERY,
        (_, data) => this.delivery.deliverIds((data as JobPayloads[JobName.DELIVER]).ids),
        { ...options, concurrency: 4 },
      ),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Running jobs finish (their sends and completions) within what is left of the grace.
    const deadlineMs = remainingGraceMs(this.config.shutdownGraceMs);
    await Promise.allSettled(this.workers.map((w) => w.close(deadlineMs)));
  }

  private async sweep(queue: QueueName, name: JobName): Promise<number> {
    if (name !== JobName.DELIVER && SCHEDULED_IN[name] !== queue) {
      // Made by a scheduler an instance of an earlier version registered in the wrong queue: the
      // job runs in its own queue; the scheduler goes.
      await this.jobQueue.stray(queue, name);
      return 0;
    }
    this.scheduler.ran(name);
    try {
      return await this.run(name);
    } finally {
      this.scheduler.ran(name, true);
    }
  }

  private async run(name: JobName): Promise<number> {
    switch (name) {
      case JobName.SWEEP_CONFIRMED: {
        const n = await this.dispatcher.sweep();
        if (n > 0) this.logger.log(`sweep attempted ${n} due message(s)`);
        return n;
      }
      case JobName.SWEEP_PENDING: {
        const n = await this.checkBack.sweep();
        if (n > 0) this.logger.log(`sweep checked back ${n} stale PENDING message(s)`);
        return n;
      }
      case JobName.RETENTION:
        return this.retention.purge();
      case JobName.RECONCILE:
        return this.reconciliation.checkUnconsumed();
      case JobName.DELIVER:
        return 0;
    }
  }
}
