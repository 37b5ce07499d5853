import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AfterCommit } from './after-commit';
import { TransitionResult } from './message';
import { failMsg } from './message-row';
import { changeOf, CONFIRMED_NOW, transitionOne } from './transition';

/** The transitions an operator makes through the admin API. */
@Injectable()
export class OperatorTransitions {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly effects: AfterCommit,
  ) {}

  /**
   * FAILED, SENT or CANCELLED → CONFIRMED for another round of delivery: attempts reset, due now,
   * `seq` kept. The event keeps what the resend overwrites (the last send's time, receipt and
   * attempts), so nothing is forgotten. Not changed when the message was not in `from`.
   */
  async resend(
    id: string,
    from: MessageStatus,
    detail: Record<string, unknown>,
  ): Promise<TransitionResult> {
    const result = await this.resendOne(id, from, detail);
    this.effects.committed(changeOf(result, 'CONFIRMED'));
    return result;
  }

  /**
   * `resend` for many messages, each in its own short transaction; the resent ones are handed to
   * delivery together at the end. Returns how many were resent.
   */
  async resendMany(
    ids: string[],
    from: MessageStatus,
    detail: Record<string, unknown>,
  ): Promise<number> {
    const changes = [];
    for (const id of ids)
      changes.push(...changeOf(await this.resendOne(id, from, detail), 'CONFIRMED'));
    this.effects.committed(changes);
    return changes.length;
  }

  private resendOne(
    id: string,
    from: MessageStatus,
    detail: Record<string, unknown>,
  ): Promise<TransitionResult> {
    return transitionOne(this.db, {
      id,
      from,
      to: MessageStatus.CONFIRMED,
      set: `delivery_attempts = 0, fail_msg = NULL, mq_message_id = NULL, sent_at = NULL,
            confirmed_at = COALESCE(confirmed_at, ${CONFIRMED_NOW}), next_attempt_at = UTC_TIMESTAMP(3)`,
      event: { type: 'RESENT', detail },
      keep: {
        sentAt: `DATE_FORMAT(sent_at, '%Y-%m-%dT%H:%i:%s.%fZ')`,
        mqMessageId: 'mq_message_id',
        deliveryAttempts: 'delivery_attempts',
        failMsg: 'fail_msg',
      },
    });
  }

  /** `from` → CANCELLED with the operator's reason. Not changed when not in `from`. */
  async cancel(
    id: string,
    from: MessageStatus,
    reason: string,
    detail: Record<string, unknown>,
  ): Promise<TransitionResult> {
    const result = await transitionOne(this.db, {
      id,
      from,
      to: MessageStatus.CANCELLED,
      set: 'next_attempt_at = NULL, fail_msg = ?',
      params: [failMsg(reason)],
      event: { type: 'CANCELLED', detail: { ...detail, reason } },
    });
    this.effects.committed(changeOf(result, 'CANCELLED'));
    return result;
  }
}
