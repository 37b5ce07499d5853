import { Module } from '@nestjs/common';
import { CheckBackModule } from '../check-back/check-back.module';
import { ConsumersModule } from '../consumers/consumers.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { QueueModule } from '../queue/queue.module';
import { RetentionModule } from '../retention/retention.module';
import { JobWorkers } from './job-workers';
import { SweepScheduler } from './sweep-scheduler';

/** The scheduled sweeps and the BullMQ job processors. */
@Module({
  imports: [DeliveryModule, CheckBackModule, RetentionModule, QueueModule, ConsumersModule],
  providers: [SweepScheduler, JobWorkers],
})
export class SweepsModule {}
