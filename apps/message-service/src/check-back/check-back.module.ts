import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { ProducersModule } from '../producers/producers.module';
import { CheckBackClient } from './check-back.client';
import { CheckBackRepository } from './check-back.repository';
import { CheckBackService } from './check-back.service';

@Module({
  imports: [ProducersModule, DeliveryModule],
  providers: [CheckBackRepository, CheckBackClient, CheckBackService],
  exports: [CheckBackService],
})
export class CheckBackModule {}
