import { Module } from '@nestjs/common';
import { ProducersModule } from '../producers/producers.module';
import { MessageRepository } from './message.repository';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

@Module({
  imports: [ProducersModule],
  controllers: [MessagesController],
  providers: [MessageRepository, MessagesService],
  exports: [MessageRepository],
})
export class MessagesModule {}
