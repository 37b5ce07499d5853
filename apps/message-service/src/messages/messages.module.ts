import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { ProducersModule } from '../producers/producers.module';
import { InsertBatcher } from './insert-batcher';
import { MessageRepository } from './message.repository';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

@Module({
  imports: [ProducersModule, DeliveryModule],
  controllers: [MessagesController],
  providers: [MessageRepository, MessagesService, InsertBatcher],
  exports: [MessageRepository],
})
export class MessagesModule {}
