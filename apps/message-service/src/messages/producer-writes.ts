import { Injectable } from '@nestjs/common';
import { GroupCommit } from '../common/group-commit';
import { isStoreUnavailable } from '../common/store-errors';
import { Message, NewMessage, TransitionResult } from '../state/message';
import { ConfirmRequest, ProducerTransitions } from '../state/producer-transitions';

/**
 * The hot-path writes of the producer API under group commit: concurrent prepares share one
 * transaction, and so do concurrent confirms. One caller's bad write must not fail the others':
 * a group that fails for any reason but an unreachable store (a duplicate msgLogId, a row the
 * database refuses) writes its members again one by one, so each caller gets its own outcome.
 */
@Injectable()
export class ProducerWrites {
  private readonly prepares: GroupCommit<NewMessage, Message>;
  private readonly confirms: GroupCommit<ConfirmRequest, TransitionResult>;

  constructor(transitions: ProducerTransitions) {
    const retryWhen = (error: unknown) => !isStoreUnavailable(error);
    this.prepares = new GroupCommit((group) => transitions.prepare(group), {
      retryWhen,
      write: async (m) => (await transitions.prepare([m]))[0],
    });
    this.confirms = new GroupCommit((group) => transitions.confirm(group), {
      retryWhen,
      write: async (r) => (await transitions.confirm([r]))[0],
    });
  }

  prepare(message: NewMessage): Promise<Message> {
    return this.prepares.write(message);
  }

  confirm(request: ConfirmRequest): Promise<TransitionResult> {
    return this.confirms.write(request);
  }
}
