import { Module } from '@nestjs/common';
import { CheckBackModule } from '../check-back/check-back.module';
import { ConsumersModule } from '../consumers/consumers.module';
import { ProducersModule } from '../producers/producers.module';
import { MessageStateModule } from '../state/message-state.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminConsumersController } from './admin-consumers.controller';
import { AdminMessagesController } from './admin-messages.controller';
import { AdminMessagesService } from './admin-messages.service';
import { AdminProducersController } from './admin-producers.controller';

@Module({
  imports: [ProducersModule, ConsumersModule, MessageStateModule, CheckBackModule],
  controllers: [AdminProducersController, AdminMessagesController, AdminConsumersController],
  providers: [AdminAuthGuard, AdminMessagesService],
})
export class AdminModule {}
