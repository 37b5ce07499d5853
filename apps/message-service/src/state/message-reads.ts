import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { placeholders } from '../database/sql';
import { composeTimeline } from './timeline-view';
import { Message, MessageEvent, MessageEventType } from './message';
import { MESSAGE_COLUMNS, MessageRow, toMessage } from './message-row';

export interface MessageFilter {
  status?: MessageStatus;
  producerId?: string;
  topic?: string;
  msgLogId?: string;
  createdFrom?: Date;
  createdTo?: Date;
}

interface EventRow {
  id: number;
  message_id: string;
  type: MessageEventType;
  at: Date;
  detail: string | null;
}

/** Reads of messages and their timelines; plain reads, no locks. */
@Injectable()
export class MessageReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async findById(
    id: string,
    options: { producerId?: string; withBody?: boolean } = {},
  ): Promise<Message | undefined> {
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${MESSAGE_COLUMNS}${options.withBody ? ', body' : ''} FROM messages
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
      `SELECT ${MESSAGE_COLUMNS}${withBody ? ', body' : ''} FROM messages
        WHERE producer_id = ? AND msg_log_id = ?`,
      [producerId, msgLogId],
    );
    return rows[0] ? toMessage(rows[0]) : undefined;
  }

  /** The producer's messages with these msgLogIds (those that exist). */
  async findByMsgLogIds(producerId: string, msgLogIds: string[]): Promise<Message[]> {
    if (msgLogIds.length === 0) return [];
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages
        WHERE producer_id = ? AND msg_log_id IN (${placeholders(msgLogIds.length)})`,
      [producerId, ...msgLogIds],
    );
    return rows.map(toMessage);
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
      `SELECT ${MESSAGE_COLUMNS} FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map(toMessage);
  }

  /**
   * The message's timeline, oldest first: its event rows and the happy path kept in its own
   * columns (see `composeTimeline`). Empty when there is no such message.
   */
  async timeline(messageId: string): Promise<MessageEvent[]> {
    const message = await this.findById(messageId);
    if (!message) return [];
    const rows: EventRow[] = await this.db.query(
      'SELECT id, message_id, type, at, detail FROM message_events WHERE message_id = ? ORDER BY id',
      [messageId],
    );
    return composeTimeline(
      message,
      rows.map((r) => ({
        id: Number(r.id),
        messageId: r.message_id,
        type: r.type,
        at: r.at,
        detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
      })),
    );
  }
}
