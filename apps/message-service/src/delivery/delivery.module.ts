import { Module } from '@nestjs/common';
import { QueueName, registerQueue } from '../jobs/jobs';
import { MqModule } from '../mq/mq.module';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryTrigger } from './delivery-trigger';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryService } from './delivery.service';

@Module({
  imports: [MqModule, registerQueue(QueueName.DELIVERY)],
  providers: [DeliveryRepository, DeliveryService, DeliveryDispatcher, DeliveryTrigger],
  exports: [DeliveryTrigger, DeliveryService, DeliveryDispatcher],
})
export class DeliveryModule {}
