import { Module } from '@nestjs/common';
import { ProducerAuthGuard } from './producer-auth.guard';
import { ProducerRepository } from './producer.repository';
import { ProducersService } from './producers.service';

@Module({
  providers: [ProducerRepository, ProducersService, ProducerAuthGuard],
  exports: [ProducersService, ProducerAuthGuard, ProducerRepository],
})
export class ProducersModule {}
