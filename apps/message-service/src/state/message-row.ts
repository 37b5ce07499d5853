import { Message } from './message';

/** A `messages` row as mysql2 returns it (without the body unless it was selected). */
export interface MessageRow {
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
  seq: number | string | null;
  created_at: Date;
  confirmed_at: Date | null;
  sent_at: Date | null;
}

/** The columns of a message view (everything but the body and the claim token). */
export const MESSAGE_COLUMNS = `id, producer_id, msg_log_id, topic, tag, \`keys\`, properties, message_group,
  content_hash, msg_log_url, status, fail_msg, check_back_count, delivery_attempts,
  next_attempt_at, deliver_at, mq_message_id, seq, created_at, confirmed_at, sent_at`;

export function toMessage(row: MessageRow): Message {
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

/** `fail_msg` holds at most this many characters. */
export const failMsg = (text: string): string => text.slice(0, 1024);
