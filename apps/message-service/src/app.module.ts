import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { AlertsModule } from './alerts/alerts.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConsumersModule } from './consumers/consumers.module';
import { DatabaseModule } from './database/database.module';
import { DeliveryModule } from './delivery/delivery.module';
import { MessagesModule } from './messages/messages.module';
import { MetricsModule } from './metrics/metrics.module';
import { OpsModule } from './ops/ops.module';
import { ProducersModule } from './producers/producers.module';
import { RedisModule } from './redis/redis.module';
import { SweepsModule } from './sweeps/sweeps.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config),
        MetricsModule,
        AlertsModule,
        RedisModule,
        ProducersModule,
        ConsumersModule,
        DeliveryModule,
        MessagesModule,
        SweepsModule,
        AdminModule,
        OpsModule,
      ],
    };
  }
}
