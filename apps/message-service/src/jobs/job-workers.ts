import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { withTimeout } from '@app/mq';
import { Job, Worker } from 'bullmq';
import { CheckBackService } from '../check-back/check-back.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DeliveryDispatcher } from '../delivery/delivery-dispatcher';
import { DeliveryService } from '../delivery/delivery.service';
import { BULL_PREFIX, bullConnection, JobName, JobPayloads, QueueName } from './jobs';
import { RetentionService } from '../retention/retention.service';
import { SweepScheduler } from './sweep-scheduler';

const CLOSE_TIMEOUT_MS = 5_000;

/**
 * The BullMQ workers of an instance that runs workers (ROLE=worker or all): the sweeps (the
 * delivery sweep and the check-back sweep may run side by side), and deliveries handed over by API-only instances. Closed before the database and the MQ
 * driver go away, so that no job is cut off half-way by the shutdown.
 */
@Injectable()
export class JobWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('JobWorkers');
  private readonly workers: Worker[] = [];

  constructor(
    private readonly dispatcher: DeliveryDispatcher,
    private readonly delivery: DeliveryService,
    private readonly scheduler: SweepScheduler,
    private readonly checkBack: CheckBackService,
    private readonly retention: RetentionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.role === 'api') return;
    const connection = bullConnection(this.config.redisUrl);
    this.workers.push(
      new Worker(QueueName.SWEEPS, (job) => this.sweep(job), {
        connection,
        prefix: BULL_PREFIX,
        concurrency: 1,
      }),
      new Worker(
        QueueName.DELIVERY,
        (job: Job<JobPayloads[JobName.DELIVER]>) => this.delivery.deliverIds(job.data.ids),
        { connection, prefix: BULL_PREFIX, concurrency: 4 },
      ),
    );
    for (const worker of this.workers) {
      worker.on('error', (error) => this.logger.warn(`${worker.name}: ${error.message}`));
    }
  }

  /**
   * Waits for running jobs up to a deadline. After a Redis restart BullMQ's close() can wait
   * forever, so past the deadline the workers' connections are dropped instead.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled(
      this.workers.map(async (worker) => {
        try {
          await withTimeout(worker.close(), CLOSE_TIMEOUT_MS, 'close timed out');
        } catch (error) {
          this.logger.warn(`${worker.name}: ${(error as Error).message}; dropping its connections`);
          const internals = worker as unknown as {
            blockingConnection?: { disconnect(wait?: boolean): Promise<void> };
            lockManager?: { close(): Promise<void> };
            retryIfFailed?: (fn: () => Promise<unknown>, opts: object) => Promise<unknown>;
          };
          // A closing BullMQ worker retries a failed Redis call at once and without end, so a job
          // finishing after its connection is dropped would spin a core until the process exits.
          // Past the deadline one try is enough: the job's outcome is already in MySQL, and a
          // job left active in Redis is taken up again as stalled.
          const retryIfFailed = internals.retryIfFailed?.bind(worker);
          if (retryIfFailed) {
            internals.retryIfFailed = (fn, opts) => retryIfFailed(fn, { ...opts, maxRetries: 1 });
          }
          await Promise.allSettled([
            internals.lockManager?.close(),
            worker.disconnect(),
            internals.blockingConnection?.disconnect(false),
          ]);
        }
      }),
    );
  }

  private async sweep(job: Job): Promise<number> {
    const name = job.name as JobName;
    this.scheduler.ran(name);
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
      case JobName.DELIVER:
        return 0;
    }
  }
}
