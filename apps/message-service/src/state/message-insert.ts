import { MessageStatus } from '@app/contracts';
import { PayloadTooLargeError } from '../common/domain-errors';
import { Statement } from '../database/transaction';
import { NewMessage } from './message';
import { NewEvent } from './timeline';

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

function row(m: NewMessage): { sql: string; params: unknown[] } {
  const confirmed = m.status === MessageStatus.CONFIRMED;
  return {
    sql: `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0,
      ${
        confirmed
          ? 'GREATEST(UTC_TIMESTAMP(3), COALESCE(?, UTC_TIMESTAMP(3)))'
          : 'TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3))'
      },
      ?, ${confirmed ? 'UTC_TIMESTAMP(3)' : 'NULL'}, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
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
 * exceeds the server's max_allowed_packet; a message that alone would is a 413.
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

/** The events a new message starts its timeline with. */
export function firstEvents(m: NewMessage): NewEvent[] {
  const prepared: NewEvent = {
    messageId: m.id,
    type: 'PREPARED',
    detail: { status: MessageStatus[m.status] },
  };
  return m.status === MessageStatus.CONFIRMED
    ? [
        prepared,
        { messageId: m.id, type: 'CONFIRMED', detail: { actor: 'producer', via: 'prepare' } },
      ]
    : [prepared];
}
