import { MessageStatus } from '@app/contracts';
import { PayloadTooLargeError } from '../common/domain-errors';
import { Statement } from '../database/transaction';
import { Message, NewMessage } from './message';

const INSERT = `INSERT INTO messages (id, producer_id, msg_log_id, topic, tag, \`keys\`, properties,
  message_group, body, content_hash, msg_log_url, status, check_back_count, delivery_attempts,
  next_attempt_at, deliver_at, confirmed_at, created_at, updated_at, claim_token, seq) VALUES `;

/**
 * A CONFIRMED message claimed for its first send attempt by the transaction that stores it (see
 * `ClaimOnWrite`): it is stored with the claim's token, its attempt counted, its `seq` and the
 * lease as its `next_attempt_at`, as a claim would have left it.
 */
export interface ClaimAtInsert {
  token: string;
  leaseMs: number;
  /** The SQL expression of the message's `seq` (see `seqAllocation`). */
  seq: (id: string) => string;
  /** The ids claimed. */
  ids: Set<string>;
}

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

function row(m: NewMessage, claim?: ClaimAtInsert): { sql: string; params: unknown[] } {
  const confirmed = m.status === MessageStatus.CONFIRMED;
  if (claim?.ids.has(m.id)) {
    return {
      sql: `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, TIMESTAMPADD(MICROSECOND, ? * 1000, ${NOW}),
        NULL, ${NOW}, ${NOW}, ${NOW}, ?, ${claim.seq(m.id)})`,
      params: [...columns(m), claim.leaseMs, claim.token],
    };
  }
  return {
    sql: `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0,
      ${
        confirmed
          ? `GREATEST(${NOW}, COALESCE(?, ${NOW}))`
          : `TIMESTAMPADD(MICROSECOND, ? * 1000, ${NOW})`
      },
      ?, ${confirmed ? NOW : 'NULL'}, ${NOW}, ${NOW}, NULL, NULL)`,
    params: [...columns(m), confirmed ? m.deliverAt : m.checkBackDelayMs, m.deliverAt],
  };
}

/** The parameters of the first twelve columns. */
function columns(m: NewMessage): unknown[] {
  return [
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
  ];
}

/**
 * Multi-row INSERTs of new messages, each statement at most `budgetBytes` as SQL, so that no trip
 * exceeds the server's max_allowed_packet; a message that alone would is a 413. The rows take
 * their times from `NOW` (set by `stampNow` first in the same transaction).
 */
export function insertMessages(
  messages: NewMessage[],
  budgetBytes: number,
  claim?: ClaimAtInsert,
): Statement[] {
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
    const r = row(m, claim);
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
export function storedMessage(
  m: NewMessage,
  now: Date,
  claimed?: { leaseMs: number; seq: number },
): Message {
  const confirmed = m.status === MessageStatus.CONFIRMED;
  const due = claimed
    ? new Date(now.getTime() + claimed.leaseMs)
    : confirmed
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
    deliveryAttempts: claimed ? 1 : 0,
    nextAttemptAt: due,
    deliverAt: m.deliverAt,
    mqMessageId: null,
    seq: claimed?.seq ?? null,
    createdAt: now,
    confirmedAt: confirmed ? now : null,
    sentAt: null,
  };
}
