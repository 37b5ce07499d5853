import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { JobWorkers } from '../jobs/job-workers';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BULL_PREFIX, bullConnection, QueueName } from '../jobs/jobs';
import { SweepScheduler } from '../jobs/sweep-scheduler';
import { MqModule } from '../mq/mq.module';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryTrigger } from './delivery-trigger';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryService } from './delivery.service';

@Module({
  imports: [
    MqModule,
    BullModule.registerQueueAsync(
      ...[QueueName.SWEEPS, QueueName.DELIVERY].map((name) => ({
        name,
        inject: [APP_CONFIG],
        useFactory: (config: AppConfig) => ({
          connection: bullConnection(config.redisUrl),
          prefix: BULL_PREFIX,
        }),
      })),
    ),
  ],
  providers: [
    DeliveryRepository,
    DeliveryService,
    DeliveryDispatcher,
    DeliveryTrigger,
    SweepScheduler,
    JobWorkers,
  ],
  exports: [DeliveryTrigger, DeliveryService],
})
export class DeliveryModule {}
