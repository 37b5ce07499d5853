import { Module } from '@nestjs/common';
import { ProducersModule } from '../producers/producers.module';
import { MessageStateModule } from '../state/message-state.module';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { NewMessageFactory } from './new-message.factory';
import { ProducerWrites } from './producer-writes';

@Module({
  imports: [ProducersModule, MessageStateModule],
  controllers: [MessagesController],
  providers: [MessagesService, ProducerWrites, NewMessageFactory],
})
export class MessagesModule {}
