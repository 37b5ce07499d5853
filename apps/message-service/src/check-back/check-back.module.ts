import { Module } from '@nestjs/common';
import { ProducersModule } from '../producers/producers.module';
import { MessageStateModule } from '../state/message-state.module';
import { CheckBackClient } from './check-back.client';
import { CheckBackService } from './check-back.service';

@Module({
  imports: [ProducersModule, MessageStateModule],
  providers: [CheckBackClient, CheckBackService],
  exports: [CheckBackService],
})
export class CheckBackModule {}
