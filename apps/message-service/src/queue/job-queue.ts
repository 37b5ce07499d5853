import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DEFAULT_JOB_OPTIONS, JobName, QueueName } from './jobs';

/** The service's use of BullMQ queues: hand-offs to workers and the sweep schedules. */
@Injectable()
export class JobQueue {
  constructor(
    @InjectQueue(QueueName.DELIVERY) private readonly delivery: Queue,
    @InjectQueue(QueueName.SWEEPS) private readonly sweeps: Queue,
  ) {}

  /** Asks the worker instances to deliver these confirmed messages. */
  async handOff(ids: string[]): Promise<void> {
    await this.delivery.add(JobName.DELIVER, { ids }, DEFAULT_JOB_OPTIONS);
  }

  /** Runs the job every `everyMs` on one worker instance (registers or updates its scheduler). */
  async every(name: JobName, everyMs: number): Promise<void> {
    await this.sweeps.upsertJobScheduler(
      name,
      { every: everyMs },
      { name, data: {}, opts: DEFAULT_JOB_OPTIONS },
    );
  }
}
