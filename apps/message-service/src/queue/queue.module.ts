import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { redisConnection } from '../config/redis-connection';
import { JobQueue } from './job-queue';
import { QueueName } from './jobs';

const queue = (name: QueueName) =>
  BullModule.registerQueueAsync({
    name,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => ({
      connection: { ...redisConnection(config.redisUrl), maxRetriesPerRequest: null },
      prefix: config.queuePrefix,
    }),
  });

/** The BullMQ queues, behind `JobQueue`. */
@Module({
  imports: [
    queue(QueueName.DELIVERY),
    queue(QueueName.SWEEPS),
    queue(QueueName.CHECK_BACKS),
    queue(QueueName.MAINTENANCE),
  ],
  providers: [JobQueue],
  exports: [JobQueue],
})
export class QueueModule {}
