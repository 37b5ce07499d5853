import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { MessageStateModule } from '../state/message-state.module';
import { ConsumerGroupAuthGuard } from './consumer-group-auth.guard';
import { ConsumerGroupRepository } from './consumer-group.repository';
import { ConsumerGroupsService } from './consumer-groups.service';
import { ReceiptRepository } from './receipt.repository';
import { ReceiptsController } from './receipts.controller';
import { ReceiptsService } from './receipts.service';
import { ReconciliationService } from './reconciliation.service';

/** Consumer groups, their receipts, and reconciliation against what was sent. */
@Module({
  imports: [MessageStateModule, AlertsModule],
  controllers: [ReceiptsController],
  providers: [
    ConsumerGroupRepository,
    ConsumerGroupsService,
    ConsumerGroupAuthGuard,
    ReceiptRepository,
    ReceiptsService,
    ReconciliationService,
  ],
  exports: [ConsumerGroupsService, ReconciliationService],
})
export class ConsumersModule {}
