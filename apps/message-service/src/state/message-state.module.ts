import { Module } from '@nestjs/common';
import { AfterCommit } from './after-commit';
import { CheckBackClaims } from './check-back-claims';
import { DeliveryClaims } from './delivery-claims';
import { DeliveryCompletions } from './delivery-completions';
import { MessageReads } from './message-reads';
import { MessageStats } from './message-stats';
import { OperatorTransitions } from './operator-transitions';
import { ProducerTransitions } from './producer-transitions';
import { RetentionDeletes } from './retention-deletes';
import { SequenceReads } from './sequence-reads';

const PROVIDERS = [
  AfterCommit,
  MessageReads,
  MessageStats,
  ProducerTransitions,
  OperatorTransitions,
  DeliveryClaims,
  DeliveryCompletions,
  CheckBackClaims,
  RetentionDeletes,
  SequenceReads,
];

/**
 * Message state: the only module that writes `messages.status`. Every transition is a
 * compare-and-set recorded in the same transaction; claims are fenced by a token; what follows a
 * commit (metrics, the hand-off to delivery) happens in `AfterCommit`.
 */
@Module({ providers: PROVIDERS, exports: PROVIDERS })
export class MessageStateModule {}
