import { MessageStatus } from '@app/contracts';
import { DataSource } from 'typeorm';
import { oneTrip, Statement } from '../database/transaction';
import { WriteResult } from '../database/sql';
import { MessageEventType, StatusChange, StatusName, TransitionResult } from './message';
import { MESSAGE_COLUMNS, MessageRow, toMessage } from './message-row';

/**
 * When a PENDING message is confirmed: now, but never at or before the instant it was prepared
 * (a confirm in the same millisecond, or a database clock set back), so that `confirmed_at` equal
 * to `created_at` means confirmed by the prepare itself (`confirmed: true`), as the timeline reads it.
 */
export const CONFIRMED_NOW = `GREATEST(UTC_TIMESTAMP(3), created_at + INTERVAL 1000 MICROSECOND)`;

/** What a PENDING → CONFIRMED change sets: due now, or at its deliverAt. */
export const CONFIRM_SET = `confirmed_at = ${CONFIRMED_NOW},
  next_attempt_at = GREATEST(UTC_TIMESTAMP(3), COALESCE(deliver_at, UTC_TIMESTAMP(3)))`;

/** One message's change of status, as a compare-and-set. */
export interface Transition {
  id: string;
  from: MessageStatus;
  to: MessageStatus;
  /** Only a message of this producer changes (and is read back). */
  producerId?: string;
  /** More `column = value` assignments, and their parameters. */
  set?: string;
  params?: unknown[];
  event: { type: MessageEventType; detail?: Record<string, unknown> };
  /**
   * Values the change overwrites, kept in the event's `overwritten`: detail key → SQL expression
   * over the row before the change.
   */
  keep?: Record<string, string>;
}

/**
 * A compare-and-set on (id, from) with its timeline event, and the read of the message after it,
 * all one transaction in one round trip (the event is written only if the update matched). Every
 * status change clears the claim token, so an outcome of a claim taken before it cannot apply.
 */
export async function transitionOne(db: DataSource, t: Transition): Promise<TransitionResult> {
  const owner = t.producerId !== undefined ? ' AND producer_id = ?' : '';
  const ownerParams = t.producerId !== undefined ? [t.producerId] : [];
  const detail = { from: MessageStatus[t.from], to: MessageStatus[t.to], ...t.event.detail };
  const kept = Object.entries(t.keep ?? {});
  // The variable is reset first: a SELECT … INTO that finds no row leaves it as it was, and a
  // pooled connection may carry it from an earlier transaction.
  const before: Statement[] = kept.length
    ? [
        { sql: 'SET @rms_kept = NULL' },
        {
          sql: `SELECT JSON_OBJECT(${kept.map(([key, sql]) => `'${key}', ${sql}`).join(', ')})
                  INTO @rms_kept FROM messages WHERE id = ? AND status = ?${owner} FOR UPDATE`,
          params: [t.id, t.from, ...ownerParams],
        },
      ]
    : [];
  const detailSql = kept.length
    ? `JSON_SET(?, '$.overwritten', JSON_EXTRACT(@rms_kept, '$'))`
    : '?';
  const results = await oneTrip(
    db,
    [
      ...before,
      {
        sql: `UPDATE messages SET status = ?, claim_token = NULL, updated_at = UTC_TIMESTAMP(3)
                ${t.set ? `, ${t.set}` : ''}
               WHERE id = ? AND status = ?${owner}${kept.length ? ' AND @rms_kept IS NOT NULL' : ''}`,
        params: [t.to, ...(t.params ?? []), t.id, t.from, ...ownerParams],
      },
      { sql: 'SET @rms_changed = ROW_COUNT()' },
      {
        sql: `INSERT INTO message_events (message_id, type, at, detail)
              SELECT ?, ?, UTC_TIMESTAMP(3), ${detailSql} FROM DUAL WHERE @rms_changed = 1`,
        params: [t.id, t.event.type, JSON.stringify(detail)],
      },
    ],
    [
      {
        sql: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?${owner}`,
        params: [t.id, ...ownerParams],
      },
    ],
  );
  const [update, , , read] = results.slice(before.length);
  const row = (read as MessageRow[])[0];
  return {
    changed: (update as WriteResult).affectedRows === 1,
    message: row ? toMessage(row) : undefined,
  };
}

/** The status change a transition result stands for, when it made one. */
export function changeOf(result: TransitionResult, to: StatusName): StatusChange[] {
  const m = result.message;
  return result.changed && m
    ? [{ messageId: m.id, producerId: m.producerId, topic: m.topic, to }]
    : [];
}
