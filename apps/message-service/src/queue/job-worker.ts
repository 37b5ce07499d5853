import { Logger } from '@nestjs/common';
import { withTimeout } from '@app/mq';
import { Job, Worker } from 'bullmq';
import { redisConnection } from '../config/redis-connection';
import { JobName, QueueName } from './jobs';

export interface WorkerOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
}

/** A BullMQ worker of one queue, with a shutdown that cannot hang. */
export class JobWorker {
  private readonly logger: Logger;
  private readonly worker: Worker;

  constructor(
    queue: QueueName,
    process: (name: JobName, data: unknown) => Promise<unknown>,
    options: WorkerOptions,
  ) {
    this.logger = new Logger(`JobWorker:${queue}`);
    this.worker = new Worker(queue, (job: Job) => process(job.name as JobName, job.data), {
      // Blocking commands need no retry limit.
      connection: { ...redisConnection(options.redisUrl), maxRetriesPerRequest: null },
      prefix: options.prefix,
      concurrency: options.concurrency,
    });
    this.worker.on('error', (error) => this.logger.warn(error.message));
  }

  /**
   * Waits for running jobs up to `deadlineMs`. After a Redis restart BullMQ's close() can wait
   * forever, so past the deadline the worker's connections are dropped instead.
   */
  async close(deadlineMs: number): Promise<void> {
    try {
      await withTimeout(this.worker.close(), deadlineMs, 'close timed out');
    } catch (error) {
      this.logger.warn(`${(error as Error).message}; dropping its connections`);
      const internals = this.worker as unknown as {
        blockingConnection?: { disconnect(wait?: boolean): Promise<void> };
        lockManager?: { close(): Promise<void> };
        retryIfFailed?: (fn: () => Promise<unknown>, opts: object) => Promise<unknown>;
      };
      // A closing BullMQ worker retries a failed Redis call at once and without end, so a job
      // finishing after its connection is dropped would spin a core until the process exits.
      // Past the deadline one try is enough: the job's outcome is already in MySQL, and a job
      // left active in Redis is taken up again as stalled.
      const retryIfFailed = internals.retryIfFailed?.bind(this.worker);
      if (retryIfFailed) {
        internals.retryIfFailed = (fn, opts) => retryIfFailed(fn, { ...opts, maxRetries: 1 });
      }
      await Promise.allSettled([
        internals.lockManager?.close(),
        this.worker.disconnect(),
        internals.blockingConnection?.disconnect(false),
      ]);
    }
  }
}
