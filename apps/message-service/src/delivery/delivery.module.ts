import { Module } from '@nestjs/common';
import { MqModule } from '../mq/mq.module';
import { QueueModule } from '../queue/queue.module';
import { MessageStateModule } from '../state/message-state.module';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryTrigger } from './delivery-trigger';
import { DeliveryService } from './delivery.service';

@Module({
  imports: [MqModule, QueueModule, MessageStateModule],
  providers: [DeliveryService, DeliveryDispatcher, DeliveryTrigger],
  exports: [DeliveryService, DeliveryDispatcher],
})
export class DeliveryModule {}
