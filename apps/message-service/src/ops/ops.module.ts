import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ConsumersModule } from '../consumers/consumers.module';
import { MqModule } from '../mq/mq.module';
import { MessageStateModule } from '../state/message-state.module';
import { BacklogGaugesService } from './backlog-gauges.service';
import { HealthController } from './health.controller';
import { MetricsAuthGuard } from './metrics-auth.guard';
import { MetricsController } from './metrics.controller';
import { Readiness } from './readiness';

/** The ops endpoints: health and Prometheus metrics. */
@Module({
  imports: [
    TerminusModule.forRoot({ logger: false }),
    MqModule,
    MessageStateModule,
    ConsumersModule,
  ],
  controllers: [HealthController, MetricsController],
  providers: [BacklogGaugesService, MetricsAuthGuard, Readiness],
})
export class OpsModule {}
