import { Module } from '@nestjs/common';
import { CheckBackModule } from '../check-back/check-back.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { RetentionModule } from '../retention/retention.module';
import { JobWorkers } from './job-workers';
import { QueueName, registerQueue } from './jobs';
import { SweepScheduler } from './sweep-scheduler';

/** The scheduled sweeps and the BullMQ workers. */
@Module({
  imports: [DeliveryModule, CheckBackModule, RetentionModule, registerQueue(QueueName.SWEEPS)],
  providers: [SweepScheduler, JobWorkers],
})
export class JobsModule {}
