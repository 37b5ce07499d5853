import { Module } from '@nestjs/common';
import { ProducerAuthGuard } from './producer-auth.guard';
import { ProducerRateLimitGuard } from './producer-rate-limit.guard';
import { ProducerRepository } from './producer.repository';
import { ProducersService } from './producers.service';

@Module({
  providers: [ProducerRepository, ProducersService, ProducerAuthGuard, ProducerRateLimitGuard],
  exports: [ProducersService, ProducerAuthGuard, ProducerRateLimitGuard, ProducerRepository],
})
export class ProducersModule {}
