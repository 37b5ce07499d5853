import { MessageStatus, statusName } from '@app/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { CheckBackService } from '../check-back/check-back.service';
import { InvalidTransitionError, NotFoundError } from '../common/domain-errors';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryTrigger } from '../delivery/delivery-trigger';
import { Message, MessageEvent } from '../messages/message';
import { MessageFilter, MessageRepository } from '../messages/message.repository';
import { StatsRepository, StatusCount, Backlog } from './stats.repository';

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
    private readonly messages: MessageRepository,
    private readonly stats: StatsRepository,
    private readonly delivery: DeliveryTrigger,
    private readonly checkBack: CheckBackService,
    private readonly metrics: MetricsService,
  ) {}

  async search(filter: MessageFilter, limit: number, cursor?: string): Promise<Page> {
    const items = await this.messages.search(filter, limit + 1, cursor);
    const more = items.length > limit;
    const page = more ? items.slice(0, limit) : items;
    return { items: page, nextCursor: more ? page[page.length - 1].id : null };
  }

  async get(id: string): Promise<{ message: Message; events: MessageEvent[] }> {
    const message = await this.mustFind(id);
    return { message, events: await this.messages.events(id) };
  }

  /** FAILED/SENT/CANCELLED → CONFIRMED, delivered again; the actor and reason are in the timeline. */
  async resend(id: string, actor: string, reason?: string): Promise<Message> {
    const message = await this.mustFind(id);
    if (!RESENDABLE.includes(message.status)) {
      throw new InvalidTransitionError(
        `message ${id} is ${statusName(message.status)}; only FAILED, SENT and CANCELLED can be resent`,
      );
    }
    if (!(await this.messages.resend(id, message.status, { actor, reason: reason ?? null }))) {
      throw new InvalidTransitionError(`message ${id} changed status meanwhile; look again`);
    }
    this.logger.log({ msg: 'resent', messageId: id, from: statusName(message.status), actor });
    this.metrics.transition('CONFIRMED', message.producerId, message.topic);
    this.delivery.confirmed([id]);
    return this.mustFind(id);
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
      const resent: string[] = [];
      for (const m of batch) {
        if (
          await this.messages.resend(m.id, filter.status, {
            actor,
            reason: reason ?? null,
            bulk: true,
          })
        ) {
          resent.push(m.id);
          this.metrics.transition('CONFIRMED', m.producerId, m.topic);
        }
      }
      this.delivery.confirmed(resent);
      count += resent.length;
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
    if (!(await this.messages.cancel(id, message.status, reason, { actor }))) {
      throw new InvalidTransitionError(`message ${id} changed status meanwhile; look again`);
    }
    this.metrics.transition('CANCELLED', message.producerId, message.topic);
    return this.mustFind(id);
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

  async statistics(): Promise<{ counts: StatusCount[]; backlog: Backlog }> {
    const [counts, backlog] = await Promise.all([this.stats.counts(), this.stats.backlog()]);
    return { counts, backlog };
  }

  private async mustFind(id: string): Promise<Message> {
    const message = await this.messages.findById(id);
    if (!message) throw new NotFoundError(`message ${id} not found`);
    return message;
  }
}
