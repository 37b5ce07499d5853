import { Module } from '@nestjs/common';
import { CheckBackModule } from '../check-back/check-back.module';
import { ProducersModule } from '../producers/producers.module';
import { MessageStateModule } from '../state/message-state.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminMessagesController } from './admin-messages.controller';
import { AdminMessagesService } from './admin-messages.service';
import { AdminProducersController } from './admin-producers.controller';

@Module({
  imports: [ProducersModule, MessageStateModule, CheckBackModule],
  controllers: [AdminProducersController, AdminMessagesController],
  providers: [AdminAuthGuard, AdminMessagesService],
})
export class AdminModule {}
