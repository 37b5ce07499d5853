import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  inSet,
  lockIntoSet,
  parseSet,
  readSet,
  Statement,
  transactionInOneTrip,
} from '../database/one-trip';
import { DataSource, EntityManager } from 'typeorm';
import { Message, MessageEvent, MessageEventType, NewMessage } from './message';
import { placeholders, WriteResult } from '../database/sql';

interface MessageRow {
  id: string;
  producer_id: string;
  msg_log_id: string;
  topic: string;
  tag: string | null;
  keys: string | null;
  properties: string | null;
  message_group: string | null;
  body?: Buffer;
  content_hash: string;
  msg_log_url: string | null;
  status: number;
  fail_msg: string | null;
  check_back_count: number;
  delivery_attempts: number;
  next_attempt_at: Date | null;
  deliver_at: Date | null;
  mq_message_id: string | null;
  seq: number | null;
  created_at: Date;
  confirmed_at: Date | null;
  sent_at: Date | null;
}

interface EventRow {
  id: number;
  message_id: string;
  type: MessageEventType;
  at: Date;
  detail: string | null;
}

const COLUMNS = `id, producer_id, msg_log_id, topic, tag, \`keys\`, properties, message_group,
  content_hash, msg_log_url, status, fail_msg, check_back_count, delivery_attempts,
  next_attempt_at, deliver_at, mq_message_id, seq, created_at, confirmed_at, sent_at`;

/** The user variable holding the ids a group confirm found PENDING and changes. */
const CHANGING = 'rms_changing';

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    producerId: row.producer_id,
    msgLogId: row.msg_log_id,
    topic: row.topic,
    tag: row.tag,
    keys: row.keys ? (JSON.parse(row.keys) as string[]) : [],
    properties: row.properties ? (JSON.parse(row.properties) as Record<string, string>) : {},
    messageGroup: row.message_group,
    ...(row.body !== undefined ? { body: row.body } : {}),
    contentHash: row.content_hash,
    msgLogUrl: row.msg_log_url,
    status: row.status,
    failMsg: row.fail_msg,
    checkBackCount: row.check_back_count,
    deliveryAttempts: row.delivery_attempts,
    nextAttemptAt: row.next_attempt_at,
    deliverAt: row.deliver_at,
    mqMessageId: row.mq_message_id,
    seq: row.seq === null ? null : Number(row.seq),
    createdAt: row.created_at,
    confirmedAt: row.confirmed_at,
    sentAt: row.sent_at,
  };
}

export interface TransitionResult {
  /** True when this call made the change. */
  changed: boolean;
  /** The message after the call, when it was asked for and exists. */
  message?: Message;
}

export interface MessageFilter {
  status?: MessageStatus;
  producerId?: string;
  topic?: string;
  msgLogId?: string;
  createdFrom?: Date;
  createdTo?: Date;
}

export interface NewEvent {
  type: MessageEventType;
  detail?: Record<string, unknown>;
}

/**
 * Storage of messages and their timeline. Every status change is a compare-and-set
 * (`WHERE id = ? AND status = ?`) committed together with its `message_events` row. Times come
 * from the database clock.
 */
@Injectable()
export class MessageRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Inserts a new message and its first events in one transaction and reads it back, all in one
   * round trip; throws on a duplicate msgLogId.
   */
  async insert(message: NewMessage): Promise<Message> {
    const [stored] = await this.insertMany([message]);
    return stored;
  }

  /**
   * Inserts messages and their first events in one transaction (multi-row INSERTs, one commit)
   * and reads them back, in one round trip. All or nothing: a duplicate msgLogId fails them all.
   */
  async insertMany(messages: NewMessage[]): Promise<Message[]> {
    const rows: string[] = [];
    const params: unknown[] = [];
    const events: (NewEvent & { messageId: string })[] = [];
    for (const m of messages) {
      const confirmed = m.status === MessageStatus.CONFIRMED;
      rows.push(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0,
        ${
          confirmed
            ? 'GREATEST(UTC_TIMESTAMP(3), COALESCE(?, UTC_TIMESTAMP(3)))'
            : 'TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3))'
        },
        ?, ${confirmed ? 'UTC_TIMESTAMP(3)' : 'NULL'}, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`);
      params.push(
        m.id,
        m.producerId,
        m.msgLogId,
        m.topic,
        m.tag,
        m.keys.length > 0 ? JSON.stringify(m.keys) : null,
        Object.keys(m.properties).length > 0 ? JSON.stringify(m.properties) : null,
        m.messageGroup,
        m.body,
        m.contentHash,
        m.msgLogUrl,
        m.status,
        confirmed ? m.deliverAt : m.checkBackDelayMs,
        m.deliverAt,
      );
      events.push({
        messageId: m.id,
        type: 'PREPARED',
        detail: { status: MessageStatus[m.status] },
      });
      if (confirmed) {
        events.push({
          messageId: m.id,
          type: 'CONFIRMED',
          detail: { actor: 'producer', via: 'prepare' },
        });
      }
    }
    const ids = messages.map((m) => m.id);
    const results = await transactionInOneTrip(
      this.db,
      [
        {
          sql: `INSERT INTO messages (id, producer_id, msg_log_id, topic, tag, \`keys\`, properties,
                  message_group, body, content_hash, msg_log_url, status, check_back_count,
                  delivery_attempts, next_attempt_at, deliver_at, confirmed_at, created_at, updated_at)
                VALUES ${rows.join(', ')}`,
          params,
        },
        eventsStatement(events),
      ],
      [
        {
          sql: `SELECT ${COLUMNS} FROM messages WHERE id IN (${placeholders(ids.length)})`,
          params: ids,
        },
      ],
    );
    const byId = new Map((results[2] as MessageRow[]).map((r) => [r.id, toMessage(r)]));
    return ids.map((id) => byId.get(id)!);
  }

  async findById(
    id: string,
    options: { producerId?: string; withBody?: boolean } = {},
  ): Promise<Message | undefined> {
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${COLUMNS}${options.withBody ? ', body' : ''} FROM messages
       WHERE id = ?${options.producerId !== undefined ? ' AND producer_id = ?' : ''}`,
      options.producerId !== undefined ? [id, options.producerId] : [id],
    );
    return rows[0] ? toMessage(rows[0]) : undefined;
  }

  async findByMsgLogId(
    producerId: string,
    msgLogId: string,
    withBody = false,
  ): Promise<Message | undefined> {
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${COLUMNS}${withBody ? ', body' : ''} FROM messages WHERE producer_id = ? AND msg_log_id = ?`,
      [producerId, msgLogId],
    );
    return rows[0] ? toMessage(rows[0]) : undefined;
  }

  /** The producer's messages with these msgLogIds (those that exist). */
  async findByMsgLogIds(producerId: string, msgLogIds: string[]): Promise<Message[]> {
    if (msgLogIds.length === 0) return [];
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM messages
        WHERE producer_id = ? AND msg_log_id IN (${placeholders(msgLogIds.length)})`,
      [producerId, ...msgLogIds],
    );
    return rows.map(toMessage);
  }

  /**
   * PENDING → CONFIRMED; due for delivery at once, or at deliverAt. False when not PENDING (or
   * not this producer's when `producerId` is given).
   */
  confirm(id: string, detail: Record<string, unknown>, producerId?: string): Promise<boolean> {
    return this.transition(id, producerId, MessageStatus.PENDING, MessageStatus.CONFIRMED, {
      set: `confirmed_at = UTC_TIMESTAMP(3),
            next_attempt_at = GREATEST(UTC_TIMESTAMP(3), COALESCE(deliver_at, UTC_TIMESTAMP(3)))`,
      event: { type: 'CONFIRMED', detail },
    });
  }

  /**
   * PENDING → CONFIRMED for many messages in one transaction and one round trip: the rows still
   * PENDING and owned by the given producer are locked by primary key and changed, with their
   * events; then every message is read back. A message that does not exist for that producer has
   * no `message`.
   */
  async confirmMany(items: { id: string; producerId: string }[]): Promise<TransitionResult[]> {
    const ids = items.map((i) => i.id);
    const list = placeholders(ids.length);
    const results = await transactionInOneTrip(
      this.db,
      [
        lockIntoSet(
          CHANGING,
          `FROM messages FORCE INDEX (PRIMARY)
            WHERE id IN (${list}) AND status = ${MessageStatus.PENDING}
              AND (id, producer_id) IN (${items.map(() => '(?, ?)').join(', ')})
            FOR UPDATE`,
          [...ids, ...items.flatMap((i) => [i.id, i.producerId])],
        ),
        {
          sql: `UPDATE messages SET status = ${MessageStatus.CONFIRMED}, updated_at = UTC_TIMESTAMP(3),
                  confirmed_at = UTC_TIMESTAMP(3),
                  next_attempt_at = GREATEST(UTC_TIMESTAMP(3), COALESCE(deliver_at, UTC_TIMESTAMP(3)))
                WHERE id IN (${list}) AND ${inSet(CHANGING)}`,
          params: ids,
        },
        eventsStatement(
          [...new Set(ids)].map((id) => ({
            messageId: id,
            type: 'CONFIRMED' as const,
            detail: { from: 'PENDING', to: 'CONFIRMED', actor: 'producer' },
          })),
          CHANGING,
        ),
      ],
      [
        readSet(CHANGING),
        { sql: `SELECT ${COLUMNS} FROM messages WHERE id IN (${list})`, params: ids },
      ],
    );
    const changed = parseSet(results[results.length - 2]);
    const rows = new Map(
      (results[results.length - 1] as MessageRow[]).map((r) => [r.id, toMessage(r)]),
    );
    return items.map((i) => {
      const message = rows.get(i.id);
      return {
        changed: changed.has(i.id),
        message: message && message.producerId === i.producerId ? message : undefined,
      };
    });
  }

  /** `from` → CANCELLED with a reason. False when the message is not in `from`. */
  cancel(
    id: string,
    from: MessageStatus,
    reason: string,
    detail: Record<string, unknown>,
    producerId?: string,
  ): Promise<boolean> {
    return this.transition(id, producerId, from, MessageStatus.CANCELLED, {
      set: 'next_attempt_at = NULL, fail_msg = ?',
      params: [reason.slice(0, 1024)],
      event: { type: 'CANCELLED', detail: { ...detail, reason } },
    });
  }

  /**
   * FAILED, SENT or CANCELLED → CONFIRMED for another round of delivery: attempts reset, due now,
   * `seq` kept. False when the message was not in `from`.
   */
  resend(id: string, from: MessageStatus, detail: Record<string, unknown>): Promise<boolean> {
    return this.transition(id, undefined, from, MessageStatus.CONFIRMED, {
      set: `delivery_attempts = 0, fail_msg = NULL, mq_message_id = NULL, sent_at = NULL,
            confirmed_at = COALESCE(confirmed_at, UTC_TIMESTAMP(3)), next_attempt_at = UTC_TIMESTAMP(3)`,
      event: { type: 'RESENT', detail },
    });
  }

  /** Newest first, `limit` rows after the `cursor` id. */
  async search(filter: MessageFilter, limit: number, cursor?: string): Promise<Message[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      params.push(value);
    };
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.producerId !== undefined) add('producer_id = ?', filter.producerId);
    if (filter.topic !== undefined) add('topic = ?', filter.topic);
    if (filter.msgLogId !== undefined) add('msg_log_id = ?', filter.msgLogId);
    if (filter.createdFrom !== undefined) add('created_at >= ?', filter.createdFrom);
    if (filter.createdTo !== undefined) add('created_at < ?', filter.createdTo);
    if (cursor !== undefined) add('id < ?', cursor);
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map(toMessage);
  }

  async events(messageId: string): Promise<MessageEvent[]> {
    const rows: EventRow[] = await this.db.query(
      'SELECT id, message_id, type, at, detail FROM message_events WHERE message_id = ? ORDER BY id',
      [messageId],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      messageId: r.message_id,
      type: r.type,
      at: r.at,
      detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    }));
  }

  /**
   * The one way a status changes: a compare-and-set on (id, from) plus the event row, in one
   * transaction sent in one round trip (the event is inserted only if the update matched).
   * Returns false, writing nothing, when the message was not in `from`.
   */
  private async transition(
    id: string,
    producerId: string | undefined,
    from: MessageStatus,
    to: MessageStatus,
    change: { set?: string; params?: unknown[]; event: NewEvent },
  ): Promise<boolean> {
    const detail = { from: MessageStatus[from], to: MessageStatus[to], ...change.event.detail };
    const results = await transactionInOneTrip(this.db, [
      {
        sql: `UPDATE messages SET status = ?, updated_at = UTC_TIMESTAMP(3)${change.set ? `, ${change.set}` : ''}
               WHERE id = ? AND status = ?${producerId !== undefined ? ' AND producer_id = ?' : ''}`,
        params: [
          to,
          ...(change.params ?? []),
          id,
          from,
          ...(producerId !== undefined ? [producerId] : []),
        ],
      },
      { sql: 'SET @rms_changed = ROW_COUNT()' },
      {
        sql: `INSERT INTO message_events (message_id, type, at, detail)
              SELECT ?, ?, UTC_TIMESTAMP(3), ? FROM DUAL WHERE @rms_changed = 1`,
        params: [id, change.event.type, JSON.stringify(detail)],
      },
    ]);
    return (results[0] as WriteResult).affectedRows === 1;
  }
}

/**
 * The INSERT of timeline rows (stamped by the database clock), for a one-trip transaction. With
 * `onlyInSet`, only the events of messages in that `lockIntoSet` set are written: the rows the
 * transaction found in the state it changes.
 */
export function eventsStatement(
  events: (NewEvent & { messageId: string })[],
  onlyInSet?: string,
): Statement {
  const params = events.flatMap((e) => [
    e.messageId,
    e.type,
    e.detail ? JSON.stringify(e.detail) : null,
  ]);
  if (onlyInSet === undefined) {
    return {
      sql: `INSERT INTO message_events (message_id, type, at, detail) VALUES
            ${events.map(() => '(?, ?, UTC_TIMESTAMP(3), ?)').join(', ')}`,
      params,
    };
  }
  const rows = events
    .map((_, i) => (i === 0 ? 'SELECT ? AS message_id, ? AS type, ? AS detail' : 'SELECT ?, ?, ?'))
    .join(' UNION ALL ');
  return {
    sql: `INSERT INTO message_events (message_id, type, at, detail)
          SELECT e.message_id, e.type, UTC_TIMESTAMP(3), e.detail FROM (${rows}) e
           WHERE ${inSet(onlyInSet, 'e.message_id')}`,
    params,
  };
}

/** Appends timeline rows (stamped by the database clock) inside the caller's transaction. */
export async function insertEvents(
  tx: EntityManager,
  events: (NewEvent & { messageId: string })[],
): Promise<void> {
  if (events.length === 0) return;
  const { sql, params } = eventsStatement(events);
  await tx.query(sql, params);
}
