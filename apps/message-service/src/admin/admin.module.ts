import { Module } from '@nestjs/common';
import { CheckBackModule } from '../check-back/check-back.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { MessagesModule } from '../messages/messages.module';
import { ProducersModule } from '../producers/producers.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminMessagesController } from './admin-messages.controller';
import { AdminMessagesService } from './admin-messages.service';
import { AdminProducersController } from './admin-producers.controller';
import { StatsRepository } from './stats.repository';

@Module({
  imports: [ProducersModule, MessagesModule, DeliveryModule, CheckBackModule],
  controllers: [AdminProducersController, AdminMessagesController],
  providers: [AdminAuthGuard, AdminMessagesService, StatsRepository],
  exports: [StatsRepository],
})
export class AdminModule {}
