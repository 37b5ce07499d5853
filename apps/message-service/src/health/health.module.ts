import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MqModule } from '../mq/mq.module';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), MqModule],
  controllers: [HealthController],
})
export class HealthModule {}
