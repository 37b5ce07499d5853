import { MqDriver, RabbitMqDriver, RedisStreamDriver, RocketMqDriver } from '@app/mq';
import {
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RedisClients } from '../redis/redis-clients';

export const MQ_DRIVER = Symbol('MQ_DRIVER');

function createDriver(config: AppConfig, redis: RedisClients): MqDriver {
  const logger = new Logger('Mq');
  const log = {
    info: (m: string) => logger.log(m),
    warn: (m: string) => logger.warn(m),
    error: (m: string) => logger.error(m),
  };
  switch (config.mq.driver) {
    case 'redis':
      // Auto-pipelining: the sends of a batch (issued together) go out in one write.
      return new RedisStreamDriver(
        redis.create(config.mq.redisUrl, { maxRetriesPerRequest: 2, enableAutoPipelining: true }),
        { maxLen: config.mq.redisStreamMaxLen },
      );
    case 'rocketmq':
      return new RocketMqDriver({
        endpoints: config.mq.rocketmq.endpoints!,
        namespace: config.mq.rocketmq.namespace,
        accessKey: config.mq.rocketmq.accessKey,
        secretKey: config.mq.rocketmq.secretKey,
        logger: log,
      });
    case 'rabbitmq':
      return new RabbitMqDriver({ ...config.mq.rabbitmq, logger: log });
  }
}

/** Starts the configured driver with the app and stops it last. */
@Injectable()
class MqLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(MQ_DRIVER) private readonly driver: MqDriver) {}

  async onModuleInit(): Promise<void> {
    await this.driver.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.driver.stop();
  }
}

@Module({
  providers: [
    { provide: MQ_DRIVER, inject: [APP_CONFIG, RedisClients], useFactory: createDriver },
    MqLifecycle,
  ],
  exports: [MQ_DRIVER],
})
export class MqModule {}
