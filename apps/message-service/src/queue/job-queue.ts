import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DEFAULT_JOB_OPTIONS, JobName, QueueName, SCHEDULED_IN, ScheduledJob } from './jobs';

/** The service's use of BullMQ queues: hand-offs to workers and the sweep schedules. */
@Injectable()
export class JobQueue {
  private readonly scheduled: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.DELIVERY) private readonly delivery: Queue,
    @InjectQueue(QueueName.SWEEPS) sweeps: Queue,
    @InjectQueue(QueueName.CHECK_BACKS) checkBacks: Queue,
    @InjectQueue(QueueName.MAINTENANCE) maintenance: Queue,
  ) {
    this.scheduled = {
      [QueueName.DELIVERY]: delivery,
      [QueueName.SWEEPS]: sweeps,
      [QueueName.CHECK_BACKS]: checkBacks,
      [QueueName.MAINTENANCE]: maintenance,
    };
  }

  /** Asks the worker instances to deliver these confirmed messages. */
  async handOff(ids: string[]): Promise<void> {
    await this.delivery.add(JobName.DELIVER, { ids }, DEFAULT_JOB_OPTIONS);
  }

  /**
   * Runs the job every `everyMs` on one worker instance (registers or updates its scheduler, in
   * the job's queue). Every scheduled job was once in the sweeps' queue: a scheduler of it left
   * there is removed, so that the job is not also made there.
   */
  async every(name: ScheduledJob, everyMs: number): Promise<void> {
    await this.scheduled[SCHEDULED_IN[name]].upsertJobScheduler(
      name,
      { every: everyMs },
      { name, data: {}, opts: DEFAULT_JOB_OPTIONS },
    );
    if (SCHEDULED_IN[name] !== QueueName.SWEEPS) await this.stray(QueueName.SWEEPS, name);
  }

  /**
   * Removes the scheduler of `name` from `queue`, where it does not belong: an instance of an
   * earlier version (during a rolling upgrade) registers every scheduled job in the sweeps' queue.
   */
  async stray(queue: QueueName, name: ScheduledJob): Promise<void> {
    await this.scheduled[queue].removeJobScheduler(name);
  }
}
