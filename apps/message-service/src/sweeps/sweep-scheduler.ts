import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { JobQueue } from '../queue/job-queue';
import { JobName } from '../queue/jobs';

/** The sweeps run by BullMQ job schedulers, one job per interval across all instances. */
const SWEEPS = [JobName.SWEEP_CONFIRMED, JobName.SWEEP_PENDING] as const;
/**
 * The retention job runs every minute and deletes up to 50,000 messages a run (it shares its
 * queue with the look for unconsumed messages, so a run is kept short): up to about 830
 * finished messages per second.
 */
const RETENTION_EVERY_MS = 60_000;

/**
 * Registers the sweep schedulers and keeps them registered: Redis may be flushed at any moment,
 * taking the schedulers with it, so every worker instance checks that sweeps still run and
 * registers them again when they stopped. MySQL holds all the work; the sweeps find it there.
 */
@Injectable()
export class SweepScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SweepScheduler');
  private readonly lastRun = new Map<JobName, number>();
  /** The sweeps running on this instance now (a long one is not a sweep that stopped). */
  private readonly running = new Map<JobName, number>();
  private timer?: NodeJS.Timeout;
  private registering?: Promise<void>;

  constructor(
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Called by the processor when a sweep starts, and with `done` when it ended. */
  ran(name: JobName, done = false): void {
    this.lastRun.set(name, Date.now());
    const n = (this.running.get(name) ?? 0) + (done ? -1 : 1);
    if (n > 0) this.running.set(name, n);
    else this.running.delete(name);
  }

  onApplicationBootstrap(): void {
    if (this.config.role === 'api') return;
    const started = Date.now();
    for (const name of SWEEPS) this.lastRun.set(name, started);
    // Not awaited: with Redis down the registration waits for it, and the instance must start
    // anyway (MySQL holds the work). It completes when Redis is back; heal() tries again too.
    this.register().catch((error: unknown) => {
      this.logger.warn(`cannot register sweeps yet: ${(error as Error).message}`);
    });
    const every = this.config.sweepIntervalMs;
    this.timer = setInterval(() => void this.heal(), Math.max(every, 1000));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async heal(): Promise<void> {
    const stale = Date.now() - 3 * this.config.sweepIntervalMs - 1000;
    const fresh = (name: JobName) =>
      this.running.has(name) || (this.lastRun.get(name) ?? 0) > stale;
    if (SWEEPS.every(fresh)) return;
    this.logger.warn(
      'sweeps have not run for three intervals (Redis flushed?): registering them again',
    );
    for (const name of SWEEPS) this.lastRun.set(name, Date.now());
    await this.register().catch((error: unknown) => {
      this.logger.warn(`cannot register sweeps: ${(error as Error).message}`);
    });
  }

  /** Registers the schedulers; a registration still waiting for Redis is not repeated. */
  private register(): Promise<void> {
    this.registering ??= (async () => {
      for (const name of SWEEPS) await this.queue.every(name, this.config.sweepIntervalMs);
      await this.queue.every(JobName.RETENTION, RETENTION_EVERY_MS);
      // Unconsumed messages are looked for once per grace (at most every minute, at least every second).
      const grace = this.config.reconcileGraceMs;
      await this.queue.every(JobName.RECONCILE, Math.min(60_000, Math.max(1_000, grace)));
    })().finally(() => {
      this.registering = undefined;
    });
    return this.registering;
  }
}
