import { inSet, Statement } from '../database/transaction';
import { MessageEventType } from './message';

/** A timeline row to write. */
export interface NewEvent {
  messageId: string;
  type: MessageEventType;
  detail?: Record<string, unknown>;
}

const json = (detail: Record<string, unknown> | undefined) =>
  detail ? JSON.stringify(detail) : null;

/** The INSERT of timeline rows, stamped by the database clock. */
export function insertEvents(events: NewEvent[]): Statement {
  return {
    sql: `INSERT INTO message_events (message_id, type, at, detail) VALUES
          ${events.map(() => '(?, ?, UTC_TIMESTAMP(3), ?)').join(', ')}`,
    params: events.flatMap((e) => [e.messageId, e.type, json(e.detail)]),
  };
}

/**
 * The INSERT of the events of those messages only that a `lockIntoSet` of the same transaction
 * found in the state it changes: the records of transitions that happened.
 */
export function insertEventsInSet(set: string, events: NewEvent[]): Statement {
  return selectInsert(
    events,
    (e) => [json(e.detail)],
    'e.d0',
    `WHERE ${inSet(set, 'e.message_id')}`,
  );
}

/**
 * The INSERT of attempts (deliveries, check-backs), all of them; the attempt of a message that is
 * not in `set` (its claim no longer held when the outcome came) is marked `stale: true`.
 */
export function insertAttempts(set: string, events: NewEvent[]): Statement {
  return selectInsert(
    events,
    (e) => [json(e.detail), json({ ...e.detail, stale: true })],
    `IF(${inSet(set, 'e.message_id')}, e.d0, e.d1)`,
  );
}

/**
 * `INSERT … SELECT` from the events as one JSON parameter read by `JSON_TABLE`, each with one or
 * more variants of its detail (`d0`, `d1`, …) that `detail` (an SQL expression) chooses from: one
 * parameter however many events, cheap to build, send and parse, though most of the rows may be
 * filtered out (`where`).
 */
function selectInsert(
  events: NewEvent[],
  variants: (e: NewEvent) => (string | null)[],
  detail: string,
  where = '',
): Statement {
  const n = variants(events[0]).length;
  const columns = Array.from(
    { length: n },
    (_, i) => `d${i} LONGTEXT CHARACTER SET utf8mb4 PATH '$[${i + 2}]'`,
  ).join(', ');
  return {
    sql: `INSERT INTO message_events (message_id, type, at, detail)
          SELECT e.message_id, e.type, UTC_TIMESTAMP(3), ${detail}
            FROM JSON_TABLE(?, '$[*]' COLUMNS (
                   message_id CHAR(26) CHARACTER SET ascii COLLATE ascii_bin PATH '$[0]',
                   type VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin PATH '$[1]', ${columns})) e
          ${where}`,
    params: [JSON.stringify(events.map((e) => [e.messageId, e.type, ...variants(e)]))],
  };
}
