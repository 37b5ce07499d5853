import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { placeholders, WriteResult } from '../database/sql';
import { oneTrip, Statement } from '../database/transaction';
import { AfterCommit } from './after-commit';
import { failMsg } from './message-row';
import { CONFIRM_SET } from './transition';
import { claimRows } from './claim';

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
  /** The claim's fencing token: the outcome applies only while it still holds. */
  claimToken: string;
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

/** What a check-back decided; `detail` is its CHECK_BACK event. */
export type CheckBackOutcome =
  | { kind: 'confirm'; detail: Record<string, unknown> }
  | { kind: 'cancel'; reason: string; detail: Record<string, unknown> }
  | { kind: 'retry'; retryInMs: number; failMsg: string | null; detail: Record<string, unknown> };

/**
 * Claims of stale PENDING messages for a check-back, and the record of each answer. Claims take
 * a lease with a fresh token like deliveries (see `claimRows`), so a message is checked by one
 * instance at a time and is due again if that instance dies; an answer that arrives after its
 * claim was lost is recorded as a stale CHECK_BACK event and changes nothing else.
 */
@Injectable()
export class CheckBackClaims {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly effects: AfterCommit,
  ) {}

  /**
   * Claims up to `limit` PENDING messages whose check-back is due, or those of `ids` that are
   * PENDING and not being checked (due or not: an operator's "check back now").
   */
  async claim(limit: number, leaseMs: number, ids?: string[]): Promise<PendingMessage[]> {
    const claim = await claimRows<PendingRow>(this.db, {
      status: MessageStatus.PENDING,
      ids,
      dueOnly: ids === undefined,
      limit,
      leaseMs,
      columns: `id, producer_id, msg_log_id, topic, msg_log_url, check_back_count,
                TIMESTAMPDIFF(MICROSECOND, created_at, UTC_TIMESTAMP(3)) DIV 1000 AS age_ms`,
    });
    return claim.rows.map((r) => ({
      id: r.id,
      producerId: r.producer_id,
      msgLogId: r.msg_log_id,
      topic: r.topic,
      msgLogUrl: r.msg_log_url,
      checkBackCount: r.check_back_count,
      ageMs: Number(r.age_ms),
      claimToken: claim.token,
    }));
  }

  /** Pushes the lease of claimed messages to `leaseMs` from now, while their claim holds. */
  async extendLease(messages: PendingMessage[], leaseMs: number): Promise<void> {
    if (messages.length === 0) return;
    await this.db.query(
      `UPDATE messages SET next_attempt_at = TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3))
        WHERE id IN (${placeholders(messages.length)}) AND status = ${MessageStatus.PENDING}
          AND claim_token = ?`,
      [leaseMs, ...messages.map((m) => m.id), messages[0].claimToken],
    );
  }

  /**
   * Records one check-back and its decision: COMMITTED → CONFIRMED (due for delivery), rolled
   * back or given up → CANCELLED, no decision → still PENDING, checked again in `retryInMs`.
   * Returns false, recording the attempt as stale, when the claim no longer held.
   */
  async record(message: PendingMessage, outcome: CheckBackOutcome): Promise<boolean> {
    const change = this.changeFor(outcome);
    const statements: Statement[] = [
      {
        sql: `UPDATE messages SET check_back_count = check_back_count + 1, claim_token = NULL,
                updated_at = UTC_TIMESTAMP(3), ${change.set}
               WHERE id = ? AND status = ${MessageStatus.PENDING} AND claim_token = ?`,
        params: [...change.params, message.id, message.claimToken],
      },
      { sql: 'SET @rms_changed = ROW_COUNT()' },
      ...foldRepeatedError(message.id, outcome.detail),
      {
        sql: `INSERT INTO message_events (message_id, type, at, detail)
              SELECT ?, 'CHECK_BACK', UTC_TIMESTAMP(3), IF(@rms_changed = 1, ?, ?)
                FROM DUAL WHERE @rms_folded = 0`,
        params: [
          message.id,
          JSON.stringify(outcome.detail),
          JSON.stringify({ ...outcome.detail, stale: true }),
        ],
      },
    ];
    if (change.event) {
      statements.push({
        sql: `INSERT INTO message_events (message_id, type, at, detail)
              SELECT ?, ?, UTC_TIMESTAMP(3), ? FROM DUAL WHERE @rms_changed = 1`,
        params: [message.id, change.event.type, JSON.stringify(change.event.detail)],
      });
    }
    const [update] = await oneTrip(this.db, statements);
    const changed = (update as WriteResult).affectedRows === 1;
    if (changed && change.event) {
      this.effects.committed([
        {
          messageId: message.id,
          producerId: message.producerId,
          topic: message.topic,
          to: change.event.type,
        },
      ]);
    }
    return changed;
  }

  private changeFor(outcome: CheckBackOutcome): {
    set: string;
    params: unknown[];
    event?: { type: 'CONFIRMED' | 'CANCELLED'; detail: Record<string, unknown> };
  } {
    switch (outcome.kind) {
      case 'confirm':
        return {
          set: `status = ${MessageStatus.CONFIRMED}, ${CONFIRM_SET}`,
          params: [],
          event: {
            type: 'CONFIRMED',
            detail: { from: 'PENDING', to: 'CONFIRMED', actor: 'check-back' },
          },
        };
      case 'cancel':
        return {
          set: `status = ${MessageStatus.CANCELLED}, next_attempt_at = NULL, fail_msg = ?`,
          params: [failMsg(outcome.reason)],
          event: {
            type: 'CANCELLED',
            detail: {
              from: 'PENDING',
              to: 'CANCELLED',
              actor: 'check-back',
              reason: outcome.reason,
            },
          },
        };
      case 'retry':
        return {
          set: `fail_msg = ?, next_attempt_at = TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3))`,
          params: [outcome.failMsg === null ? null : failMsg(outcome.failMsg), outcome.retryInMs],
        };
    }
  }
}

/**
 * A check-back that fails the way the one before it did (same error text) is folded into that
 * event: its `count` goes up and `lastAttempt`/`lastAt` move, instead of a new event per retry of
 * a business that stays down. Sets `@rms_folded` to 1 when it folded.
 */
function foldRepeatedError(messageId: string, detail: Record<string, unknown>): Statement[] {
  const error = typeof detail.error === 'string' ? detail.error : null;
  if (error === null) return [{ sql: 'SET @rms_folded = 0' }];
  return [
    { sql: 'SET @rms_last_id = NULL, @rms_last_type = NULL, @rms_last_error = NULL' },
    {
      sql: `SELECT id, type, JSON_VALUE(detail, '$.error') INTO @rms_last_id, @rms_last_type, @rms_last_error
              FROM message_events WHERE message_id = ? ORDER BY id DESC LIMIT 1`,
      params: [messageId],
    },
    {
      sql: `UPDATE message_events
               SET detail = JSON_SET(detail,
                     '$.count', COALESCE(JSON_VALUE(detail, '$.count'), 1) + 1,
                     '$.lastAttempt', ?,
                     '$.lastAt', DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%fZ'))
             WHERE id = @rms_last_id AND @rms_changed = 1 AND @rms_last_type = 'CHECK_BACK'
               AND @rms_last_error = ? AND JSON_VALUE(detail, '$.stale') IS NULL`,
      params: [detail.attempt ?? null, error],
    },
    { sql: 'SET @rms_folded = ROW_COUNT()' },
  ];
}
