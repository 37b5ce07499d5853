import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ISOLATION, retryOnDeadlock } from '../database/isolation';
import { insertEvents, NewEvent } from '../messages/message.repository';
import { placeholders, WriteResult } from '../database/sql';

/** A PENDING message claimed for one check-back. */
export interface PendingMessage {
  id: string;
  producerId: string;
  msgLogId: string;
  topic: string;
  msgLogUrl: string | null;
  /** Check-backs made before this one. */
  checkBackCount: number;
  /** Age by the database clock. */
  ageMs: number;
}

interface PendingRow {
  id: string;
  producer_id: string;
  msg_log_id: string;
  topic: string;
  msg_log_url: string | null;
  check_back_count: number;
  age_ms: number | string;
}

/**
 * Claims stale PENDING messages and records check-back answers. Claims take a lease on
 * `next_attempt_at` exactly like deliveries (locked by primary key, `SKIP LOCKED`), so a message
 * is checked by one instance at a time and is due again if that instance dies.
 */
@Injectable()
export class CheckBackRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Claims up to `limit` PENDING messages whose check-back is due (or only those of `ids`). */
  claimDue(limit: number, leaseMs: number, ids?: string[]): Promise<PendingMessage[]> {
    return retryOnDeadlock(() =>
      this.db.transaction(ISOLATION, async (tx) => {
        const candidates =
          ids ??
          (
            await tx.query<{ id: string }[]>(
              `SELECT id FROM messages
                WHERE status = ${MessageStatus.PENDING} AND next_attempt_at <= UTC_TIMESTAMP(3)
                ORDER BY next_attempt_at LIMIT ?`,
              [limit],
            )
          ).map((r) => r.id);
        if (candidates.length === 0) return [];
        const rows = await tx.query<PendingRow[]>(
          `SELECT id, producer_id, msg_log_id, topic, msg_log_url, check_back_count,
                  TIMESTAMPDIFF(MICROSECOND, created_at, UTC_TIMESTAMP(3)) DIV 1000 AS age_ms
             FROM messages FORCE INDEX (PRIMARY)
            WHERE id IN (${placeholders(candidates.length)})
              ${ids ? '' : 'AND next_attempt_at <= UTC_TIMESTAMP(3)'}
              AND status = ${MessageStatus.PENDING}
            FOR UPDATE SKIP LOCKED`,
          candidates,
        );
        if (rows.length === 0) return [];
        await tx.query(
          `UPDATE messages SET next_attempt_at = TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3)),
                  updated_at = UTC_TIMESTAMP(3)
            WHERE id IN (${placeholders(rows.length)})`,
          [leaseMs, ...rows.map((r) => r.id)],
        );
        return rows.map((r) => ({
          id: r.id,
          producerId: r.producer_id,
          msgLogId: r.msg_log_id,
          topic: r.topic,
          msgLogUrl: r.msg_log_url,
          checkBackCount: r.check_back_count,
          ageMs: Number(r.age_ms),
        }));
      }),
    );
  }

  /** The business committed: PENDING → CONFIRMED, due for delivery. False if no longer PENDING. */
  confirm(id: string, checkBack: Record<string, unknown>): Promise<boolean> {
    return this.resolve(id, MessageStatus.CONFIRMED, {
      set: `confirmed_at = UTC_TIMESTAMP(3),
            next_attempt_at = GREATEST(UTC_TIMESTAMP(3), COALESCE(deliver_at, UTC_TIMESTAMP(3)))`,
      events: [
        { type: 'CHECK_BACK', detail: checkBack },
        { type: 'CONFIRMED', detail: { from: 'PENDING', to: 'CONFIRMED', actor: 'check-back' } },
      ],
    });
  }

  /** Rolled back, or given up: PENDING → CANCELLED with the reason. */
  cancel(id: string, reason: string, checkBack: Record<string, unknown>): Promise<boolean> {
    return this.resolve(id, MessageStatus.CANCELLED, {
      set: 'next_attempt_at = NULL, fail_msg = ?',
      params: [reason.slice(0, 1024)],
      events: [
        { type: 'CHECK_BACK', detail: checkBack },
        {
          type: 'CANCELLED',
          detail: { from: 'PENDING', to: 'CANCELLED', actor: 'check-back', reason },
        },
      ],
    });
  }

  /** No decision yet: stays PENDING, checked again in `retryInMs`. */
  retry(
    id: string,
    retryInMs: number,
    failMsg: string | null,
    checkBack: Record<string, unknown>,
  ): Promise<boolean> {
    return this.write(async (tx) => {
      const result = await tx.query<WriteResult>(
        `UPDATE messages SET check_back_count = check_back_count + 1, fail_msg = ?,
                next_attempt_at = TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3)),
                updated_at = UTC_TIMESTAMP(3)
          WHERE id = ? AND status = ${MessageStatus.PENDING}`,
        [failMsg?.slice(0, 1024) ?? null, retryInMs, id],
      );
      if (result.affectedRows !== 1) return false;
      await insertEvents(tx, [{ messageId: id, type: 'CHECK_BACK', detail: checkBack }]);
      return true;
    });
  }

  private resolve(
    id: string,
    to: MessageStatus,
    change: { set: string; params?: unknown[]; events: NewEvent[] },
  ): Promise<boolean> {
    return this.write(async (tx) => {
      const result = await tx.query<WriteResult>(
        `UPDATE messages SET status = ?, check_back_count = check_back_count + 1,
                updated_at = UTC_TIMESTAMP(3), ${change.set}
          WHERE id = ? AND status = ${MessageStatus.PENDING}`,
        [to, ...(change.params ?? []), id],
      );
      if (result.affectedRows !== 1) return false;
      await insertEvents(
        tx,
        change.events.map((e) => ({ ...e, messageId: id })),
      );
      return true;
    });
  }

  private write(work: (tx: EntityManager) => Promise<boolean>): Promise<boolean> {
    return retryOnDeadlock(() => this.db.transaction(ISOLATION, work));
  }
}
