import { MessageStatus, statusName } from '@app/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { CheckBackService } from '../check-back/check-back.service';
import { InvalidTransitionError, NotFoundError } from '../common/domain-errors';
import { Message, MessageEvent } from '../state/message';
import { MessageFilter, MessageReads } from '../state/message-reads';
import {
  Backlog,
  BlockedGroup,
  FailingProducer,
  MessageStats,
  StatusCount,
} from '../state/message-stats';
import { OperatorTransitions } from '../state/operator-transitions';

const RESENDABLE = [MessageStatus.FAILED, MessageStatus.SENT, MessageStatus.CANCELLED];
const CANCELLABLE = [MessageStatus.PENDING, MessageStatus.CONFIRMED, MessageStatus.FAILED];
/** Bulk resends work through this many messages per round, each its own small transaction. */
const BULK_BATCH = 100;

export interface Page {
  items: Message[];
  nextCursor: string | null;
}

/** The operator use cases: search, inspect, resend, cancel, check back, stats. */
@Injectable()
export class AdminMessagesService {
  private readonly logger = new Logger('Admin');

  constructor(
    private readonly messages: MessageReads,
    private readonly transitions: OperatorTransitions,
    private readonly stats: MessageStats,
    private readonly checkBack: CheckBackService,
  ) {}

  async search(filter: MessageFilter, limit: number, cursor?: string): Promise<Page> {
    const items = await this.messages.search(filter, limit + 1, cursor);
    const more = items.length > limit;
    const page = more ? items.slice(0, limit) : items;
    return { items: page, nextCursor: more ? page[page.length - 1].id : null };
  }

  async get(id: string, withBody = false): Promise<{ message: Message; events: MessageEvent[] }> {
    const message = await this.mustFind(id, withBody);
    return { message, events: await this.messages.timeline(id) };
  }

  /** FAILED/SENT/CANCELLED → CONFIRMED, delivered again; the actor and reason are in the timeline. */
  async resend(id: string, actor: string, reason?: string): Promise<Message> {
    const message = await this.mustFind(id);
    if (!RESENDABLE.includes(message.status)) {
      throw new InvalidTransitionError(
        `message ${id} is ${statusName(message.status)}; only FAILED, SENT and CANCELLED can be resent`,
      );
    }
    const result = await this.transitions.resend(id, message.status, {
      actor,
      reason: reason ?? null,
    });
    if (!result.changed || !result.message) {
      throw new InvalidTransitionError(`message ${id} changed status meanwhile; look again`);
    }
    this.logger.log({ msg: 'resent', messageId: id, from: statusName(message.status), actor });
    return result.message;
  }

  /** Resends up to `limit` messages matching the filter, in small batches. */
  async resendMany(
    filter: MessageFilter & { status: MessageStatus },
    limit: number,
    actor: string,
    reason?: string,
  ): Promise<number> {
    if (!RESENDABLE.includes(filter.status)) {
      throw new InvalidTransitionError('only FAILED, SENT and CANCELLED messages can be resent');
    }
    let count = 0;
    let cursor: string | undefined;
    while (count < limit) {
      const batch = await this.messages.search(filter, Math.min(BULK_BATCH, limit - count), cursor);
      if (batch.length === 0) break;
      cursor = batch[batch.length - 1].id;
      count += await this.transitions.resendMany(
        batch.map((m) => m.id),
        filter.status,
        { actor, reason: reason ?? null, bulk: true },
      );
    }
    this.logger.log(`bulk resend by ${actor}: ${count} ${statusName(filter.status)} message(s)`);
    return count;
  }

  /** PENDING/CONFIRMED/FAILED → CANCELLED with the operator's reason. */
  async cancel(id: string, actor: string, reason: string): Promise<Message> {
    const message = await this.mustFind(id);
    if (message.status === MessageStatus.CANCELLED) return message;
    if (!CANCELLABLE.includes(message.status)) {
      throw new InvalidTransitionError(
        `message ${id} is ${statusName(message.status)} and cannot be cancelled`,
      );
    }
    const result = await this.transitions.cancel(id, message.status, reason, { actor });
    if (!result.changed || !result.message) {
      throw new InvalidTransitionError(`message ${id} changed status meanwhile; look again`);
    }
    return result.message;
  }

  /** Checks a PENDING message back now. */
  async checkBackNow(id: string): Promise<Message> {
    const message = await this.mustFind(id);
    if (message.status !== MessageStatus.PENDING) {
      throw new InvalidTransitionError(
        `message ${id} is ${statusName(message.status)}; only PENDING messages are checked back`,
      );
    }
    if (!(await this.checkBack.checkNow(id))) {
      throw new InvalidTransitionError(
        `message ${id} is being checked back already; look again shortly`,
      );
    }
    return this.mustFind(id);
  }

  async statistics(): Promise<{
    counts: StatusCount[];
    backlog: Backlog;
    blockedGroups: BlockedGroup[];
    failingProducers: FailingProducer[];
  }> {
    const [counts, backlog, blockedGroups, failingProducers] = await Promise.all([
      this.stats.counts(),
      this.stats.backlog(),
      this.stats.blockedGroups(),
      this.stats.failingProducers(),
    ]);
    return { counts, backlog, blockedGroups, failingProducers };
  }

  private async mustFind(id: string, withBody = false): Promise<Message> {
    const message = await this.messages.findById(id, { withBody });
    if (!message) throw new NotFoundError(`message ${id} not found`);
    return message;
  }
}
