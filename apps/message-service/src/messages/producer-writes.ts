import { Injectable } from '@nestjs/common';
import { GroupCommit } from '../common/group-commit';
import { isDuplicateKey } from '../common/store-errors';
import { Message, NewMessage, TransitionResult } from '../state/message';
import { ConfirmRequest, ProducerTransitions } from '../state/producer-transitions';

/**
 * The hot-path writes of the producer API under group commit: concurrent prepares share one
 * transaction (a group that hits a duplicate msgLogId writes its members again one by one, so
 * each caller gets its own 201, 200 or 409), and so do concurrent confirms.
 */
@Injectable()
export class ProducerWrites {
  private readonly prepares: GroupCommit<NewMessage, Message>;
  private readonly confirms: GroupCommit<ConfirmRequest, TransitionResult>;

  constructor(transitions: ProducerTransitions) {
    this.prepares = new GroupCommit((group) => transitions.prepare(group), {
      retryWhen: isDuplicateKey,
      write: async (m) => (await transitions.prepare([m]))[0],
    });
    this.confirms = new GroupCommit((group) => transitions.confirm(group));
  }

  prepare(message: NewMessage): Promise<Message> {
    return this.prepares.write(message);
  }

  confirm(request: ConfirmRequest): Promise<TransitionResult> {
    return this.confirms.write(request);
  }
}
