import { MessageStatus } from '@app/contracts';
import { PayloadTooLargeError } from '../common/domain-errors';
import { Statement } from '../database/transaction';
import { Message, NewMessage } from './message';

const INSERT = `INSERT INTO messages (id, producer_id, msg_log_id, topic, tag, \`keys\`, properties,
  message_group, body, content_hash, msg_log_url, status, check_back_count, delivery_attempts,
  next_attempt_at, deliver_at, confirmed_at, created_at, updated_at) VALUES `;

/**
 * The size a row takes in an SQL statement, at most: mysql2 sends a Buffer as hex (two characters
 * a byte) and may escape every character of a string.
 */
function sqlBytes(m: NewMessage): number {
  const text = [m.msgLogId, m.topic, m.tag, m.messageGroup, m.msgLogUrl]
    .concat(JSON.stringify(m.keys), JSON.stringify(m.properties))
    .reduce((n, s) => n + (s ? Buffer.byteLength(s) : 0), 0);
  return 2 * m.body.length + 2 * text + 512;
}

/** The variable holding the instant a prepare transaction stamps on all its rows. */
export const NOW = '@rms_now';

function row(m: NewMessage): { sql: string; params: unknown[] } {
  const confirmed = m.status === MessageStatus.CONFIRMED;
  return {
    sql: `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0,
      ${
        confirmed
          ? `GREATEST(${NOW}, COALESCE(?, ${NOW}))`
          : `TIMESTAMPADD(MICROSECOND, ? * 1000, ${NOW})`
      },
      ?, ${confirmed ? NOW : 'NULL'}, ${NOW}, ${NOW})`,
    params: [
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
    ],
  };
}

/**
 * Multi-row INSERTs of new messages, each statement at most `budgetBytes` as SQL, so that no trip
 * exceeds the server's max_allowed_packet; a message that alone would is a 413. The rows take
 * their times from `NOW` (set by `stampNow` first in the same transaction).
 */
export function insertMessages(messages: NewMessage[], budgetBytes: number): Statement[] {
  const statements: Statement[] = [];
  let rows: string[] = [];
  let params: unknown[] = [];
  let size = 0;
  const flush = () => {
    if (rows.length === 0) return;
    statements.push({ sql: INSERT + rows.join(', '), params });
    rows = [];
    params = [];
    size = 0;
  };
  for (const m of messages) {
    const bytes = sqlBytes(m);
    if (bytes > budgetBytes) {
      // Refused before the database would refuse the statement (and drop the connection).
      throw new PayloadTooLargeError(
        `message ${m.msgLogId} takes ${bytes} bytes as SQL; the database takes at most ` +
          `${budgetBytes} per statement (max_allowed_packet): lower MAX_BODY_BYTES or raise it`,
      );
    }
    if (size + bytes > budgetBytes) flush();
    const r = row(m);
    rows.push(r.sql);
    params.push(...r.params);
    size += bytes;
  }
  flush();
  return statements;
}

/** Sets `NOW` to the database clock: the first statement of a prepare transaction. */
export const stampNow = (): Statement => ({ sql: `SET ${NOW} = UTC_TIMESTAMP(3)` });

/** Reads `NOW` back after the commit. */
export const readNow = (): Statement => ({ sql: `SELECT CAST(${NOW} AS DATETIME(3)) AS now` });

/**
 * The stored message as a read of its row would return it, made from what was inserted and the
 * instant the insert stamped (`NOW`): no read-back of the rows is needed.
 */
export function storedMessage(m: NewMessage, now: Date): Message {
  const confirmed = m.status === MessageStatus.CONFIRMED;
  const due = confirmed
    ? new Date(Math.max(now.getTime(), m.deliverAt?.getTime() ?? now.getTime()))
    : new Date(now.getTime() + m.checkBackDelayMs);
  return {
    id: m.id,
    producerId: m.producerId,
    msgLogId: m.msgLogId,
    topic: m.topic,
    tag: m.tag,
    keys: m.keys,
    properties: m.properties,
    messageGroup: m.messageGroup,
    contentHash: m.contentHash,
    msgLogUrl: m.msgLogUrl,
    status: m.status,
    failMsg: null,
    checkBackCount: 0,
    deliveryAttempts: 0,
    nextAttemptAt: due,
    deliverAt: m.deliverAt,
    mqMessageId: null,
    seq: null,
    createdAt: now,
    confirmedAt: confirmed ? now : null,
    sentAt: null,
  };
}
