import { Module } from '@nestjs/common';
import { MessageStateModule } from '../state/message-state.module';
import { RetentionService } from './retention.service';

@Module({
  imports: [MessageStateModule],
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
