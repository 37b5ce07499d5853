import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DEFAULT_JOB_OPTIONS, JobName, QueueName } from '../jobs/jobs';
import { DeliveryDispatcher } from './delivery-dispatcher';

/**
 * Starts delivery right after a confirm commits. An instance that runs workers delivers in
 * process; an API-only instance hands the ids to the workers through a BullMQ job. Either way a
 * failure here is only logged: the message is CONFIRMED and due in MySQL, so the sweep sends it.
 */
@Injectable()
export class DeliveryTrigger {
  private readonly logger = new Logger('DeliveryTrigger');

  constructor(
    private readonly dispatcher: DeliveryDispatcher,
    @InjectQueue(QueueName.DELIVERY) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  confirmed(ids: string[]): void {
    if (ids.length === 0) return;
    if (this.config.role !== 'api') {
      this.dispatcher.schedule(ids);
      return;
    }
    this.queue.add(JobName.DELIVER, { ids }, DEFAULT_JOB_OPTIONS).catch((error: unknown) => {
      this.logger.warn(
        `hand-off of ${ids.join(',')} deferred to the sweep: ${(error as Error).message}`,
      );
    });
  }
}
