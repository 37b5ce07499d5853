import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { retryOnDeadlock } from '../database/isolation';
import {
  inSet,
  inTrips,
  lockIntoSet,
  parseSet,
  readSet,
  Statement,
  transactionInOneTrip,
} from '../database/one-trip';
import { eventsStatement, NewEvent } from '../messages/message.repository';
import { DataSource } from 'typeorm';
import { placeholders } from '../database/sql';

/** A CONFIRMED message claimed by this instance for one send attempt. */
export interface ClaimedMessage {
  id: string;
  producerId: string;
  msgLogId: string;
  topic: string;
  tag: string | null;
  keys: string[];
  properties: Record<string, string>;
  messageGroup: string | null;
  body: Buffer;
  seq: number;
  /** This attempt's number (1 = first). */
  attempt: number;
  /** Time since confirm at the claim (database clock). */
  waitedMs: number;
}

interface ClaimRow {
  id: string;
  producer_id: string;
  msg_log_id: string;
  topic: string;
  tag: string | null;
  keys: string | null;
  properties: string | null;
  message_group: string | null;
  body: Buffer;
  seq: number | string | null;
  delivery_attempts: number;
  waited_ms: number | string | null;
}

export type AttemptOutcome =
  | { kind: 'sent'; message: ClaimedMessage; mqMessageId: string; latencyMs: number }
  | { kind: 'retry'; message: ClaimedMessage; error: string; retryInMs: number; latencyMs: number }
  | {
      kind: 'failed';
      message: ClaimedMessage;
      error: string;
      permanent: boolean;
      latencyMs: number;
    };

/**
 * Claims and completes deliveries. A claim locks due CONFIRMED rows with
 * `FOR UPDATE SKIP LOCKED`, so concurrent instances never claim the same row, and pushes
 * `next_attempt_at` ahead by the claim timeout (a lease): if this instance dies, the row becomes
 * due again when the lease runs out. Completion is a compare-and-set on `status = CONFIRMED`
 * written with its events in one transaction.
 */
@Injectable()
export class DeliveryRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Claims up to `limit` due messages, oldest due first. */
  claimDue(limit: number, leaseMs: number): Promise<ClaimedMessage[]> {
    return this.claim({ limit, leaseMs });
  }

  /** Claims those of `ids` that are due and not claimed by anybody else. */
  claimIds(ids: string[], leaseMs: number): Promise<ClaimedMessage[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.claim({ ids, limit: ids.length, leaseMs });
  }

  private claim(options: {
    ids?: string[];
    limit: number;
    leaseMs: number;
  }): Promise<ClaimedMessage[]> {
    return retryOnDeadlock(() => this.claimOnce(options));
  }

  private async claimOnce(options: {
    ids?: string[];
    limit: number;
    leaseMs: number;
  }): Promise<ClaimedMessage[]> {
    // Rows are locked by primary key only, the same lock order as every other writer of
    // `messages` (primary key, then the secondary indexes, then `topic_sequences`): a locking
    // scan of the (status, next_attempt_at) index would lock index records first and deadlock
    // with claims and confirms that come through the primary key. Candidates are therefore
    // picked by a plain read, then locked, and due-ness is checked again under the lock.
    const ids =
      options.ids ??
      (
        await this.db.query<{ id: string }[]>(
          `SELECT id FROM messages
            WHERE status = ${MessageStatus.CONFIRMED} AND next_attempt_at <= UTC_TIMESTAMP(3)
            ORDER BY next_attempt_at LIMIT ?`,
          [options.limit],
        )
      ).map((r) => r.id);
    if (ids.length === 0) return [];
    // Two round trips: lock and read the rows; then number them, lease them and commit.
    return inTrips(this.db, async (trips) => {
      const [rows] = (await trips.send([
        {
          sql: `SELECT id, producer_id, msg_log_id, topic, tag, \`keys\`, properties, message_group, body, seq,
                  delivery_attempts, TIMESTAMPDIFF(MICROSECOND, confirmed_at, UTC_TIMESTAMP(3)) DIV 1000 AS waited_ms
                  FROM messages FORCE INDEX (PRIMARY)
                 WHERE id IN (${placeholders(ids.length)})
                   AND status = ${MessageStatus.CONFIRMED} AND next_attempt_at <= UTC_TIMESTAMP(3)
                 FOR UPDATE SKIP LOCKED`,
          params: ids,
        },
      ])) as [ClaimRow[]];
      if (rows.length === 0) {
        await trips.commit([]);
        return [];
      }
      const seq = seqAllocation(rows);
      const claimed = rows.map((r) => r.id);
      const results = await trips.commit(
        [
          ...seq.statements,
          {
            sql: `UPDATE messages
                     SET delivery_attempts = delivery_attempts + 1,
                         next_attempt_at = TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3)),
                         ${seq.cases ? `seq = CASE id ${seq.cases} ELSE seq END,` : ''}
                         updated_at = UTC_TIMESTAMP(3)
                   WHERE id IN (${placeholders(claimed.length)})`,
            params: [options.leaseMs, ...seq.params, ...claimed],
          },
        ],
        seq.reads,
      );
      const seqs = seq.numbers(results[results.length - 1]);
      return rows.map((r) => ({
        id: r.id,
        producerId: r.producer_id,
        msgLogId: r.msg_log_id,
        topic: r.topic,
        tag: r.tag,
        keys: r.keys ? (JSON.parse(r.keys) as string[]) : [],
        properties: r.properties ? (JSON.parse(r.properties) as Record<string, string>) : {},
        messageGroup: r.message_group,
        body: r.body,
        seq: r.seq !== null ? Number(r.seq) : seqs.get(r.id)!,
        attempt: r.delivery_attempts + 1,
        waitedMs: Number(r.waited_ms ?? 0),
      }));
    });
  }

  /**
   * Records the outcomes of a batch of attempts in one transaction, in one round trip. Retried
   * when it loses a deadlock: a completion that never commits leaves sent messages CONFIRMED, to
   * be sent again once their lease runs out.
   */
  complete(outcomes: AttemptOutcome[]): Promise<{ sent: string[]; failed: string[] }> {
    if (outcomes.length === 0) return Promise.resolve({ sent: [], failed: [] });
    return retryOnDeadlock(() => this.completeOnce(outcomes));
  }

  private async completeOnce(
    outcomes: AttemptOutcome[],
  ): Promise<{ sent: string[]; failed: string[] }> {
    const ids = outcomes.map((o) => o.message.id);
    const sent = outcomes.filter(
      (o): o is Extract<AttemptOutcome, { kind: 'sent' }> => o.kind === 'sent',
    );
    const failed = outcomes.filter(
      (o): o is Extract<AttemptOutcome, { kind: 'failed' }> => o.kind === 'failed',
    );
    const statements: Statement[] = [
      // Lock the rows and keep only those still CONFIRMED: an operator may have cancelled one
      // while it was in flight; its outcome is then recorded as an attempt only.
      lockIntoSet(
        LIVE,
        `FROM messages FORCE INDEX (PRIMARY)
          WHERE id IN (${placeholders(ids.length)}) AND status = ${MessageStatus.CONFIRMED}
          FOR UPDATE`,
        ids,
      ),
    ];
    if (sent.length > 0) {
      statements.push({
        sql: `UPDATE messages
                 SET status = ${MessageStatus.SENT}, sent_at = UTC_TIMESTAMP(3), next_attempt_at = NULL,
                     fail_msg = NULL, updated_at = UTC_TIMESTAMP(3),
                     mq_message_id = CASE id ${sent.map(() => 'WHEN ? THEN ?').join(' ')} END
               WHERE id IN (${placeholders(sent.length)}) AND ${inSet(LIVE)}`,
        params: [
          ...sent.flatMap((o) => [o.message.id, o.mqMessageId]),
          ...sent.map((o) => o.message.id),
        ],
      });
    }
    for (const o of outcomes) {
      if (o.kind === 'retry') {
        statements.push({
          sql: `UPDATE messages SET next_attempt_at = TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3)),
                       fail_msg = ?, updated_at = UTC_TIMESTAMP(3)
                 WHERE id = ? AND ${inSet(LIVE)}`,
          params: [o.retryInMs, o.error.slice(0, 1024), o.message.id],
        });
      } else if (o.kind === 'failed') {
        statements.push({
          sql: `UPDATE messages SET status = ${MessageStatus.FAILED}, next_attempt_at = NULL, fail_msg = ?,
                       updated_at = UTC_TIMESTAMP(3)
                 WHERE id = ? AND ${inSet(LIVE)}`,
          params: [o.error.slice(0, 1024), o.message.id],
        });
      }
    }
    // Every attempt is on the timeline; the transitions only where they happened.
    statements.push(
      eventsStatement(
        outcomes.map((o) => ({
          messageId: o.message.id,
          type: 'DELIVERY_ATTEMPT' as const,
          detail: attemptDetail(o),
        })),
      ),
    );
    const transitions: (NewEvent & { messageId: string })[] = [
      ...sent.map((o) => ({
        messageId: o.message.id,
        type: 'SENT' as const,
        detail: {
          from: 'CONFIRMED',
          to: 'SENT',
          mqMessageId: o.mqMessageId,
          attempt: o.message.attempt,
        },
      })),
      ...failed.map((o) => ({
        messageId: o.message.id,
        type: 'FAILED' as const,
        detail: {
          from: 'CONFIRMED',
          to: 'FAILED',
          reason: o.permanent ? 'permanent send error' : 'delivery attempts exhausted',
          attempts: o.message.attempt,
          error: o.error,
        },
      })),
    ];
    if (transitions.length > 0) statements.push(eventsStatement(transitions, LIVE));
    const results = await transactionInOneTrip(this.db, statements, [readSet(LIVE)]);
    const live = parseSet(results[results.length - 1]);
    return {
      sent: sent.filter((o) => live.has(o.message.id)).map((o) => o.message.id),
      failed: failed.filter((o) => live.has(o.message.id)).map((o) => o.message.id),
    };
  }
}

/** The user variable holding the ids a completion locked while still CONFIRMED. */
const LIVE = 'rms_live';

/**
 * Gives every row without a `seq` the next numbers of its (producer, topic): one counter update
 * per pair per batch, in a fixed order so that concurrent claims cannot deadlock. Each pair's
 * first number lands in a user variable that the claim's UPDATE uses and `reads` return after
 * the commit. The numbers are used in this transaction or not at all (a rollback returns them),
 * so there are no holes.
 */
function seqAllocation(rows: ClaimRow[]): {
  /** The counter updates, to run before the claim's UPDATE. */
  statements: Statement[];
  /** `WHEN ? THEN …` arms of the claim's `seq = CASE id … END`, and their parameters. */
  cases: string;
  params: unknown[];
  /** The read (after COMMIT) of each pair's first number; none when nothing needs a number. */
  reads: Statement[];
  /** Each numbered row's `seq`, from the result of `reads`. */
  numbers: (read: unknown) => Map<string, number>;
} {
  const groups = new Map<string, ClaimRow[]>();
  for (const row of rows) {
    if (row.seq !== null) continue;
    const key = `${row.producer_id}\u0000${row.topic}`;
    const members = groups.get(key);
    if (members) members.push(row);
    else groups.set(key, [row]);
  }
  const statements: Statement[] = [];
  const cases: string[] = [];
  const params: unknown[] = [];
  const order: ClaimRow[][] = [];
  for (const key of [...groups.keys()].sort()) {
    const members = groups.get(key)!.sort((a, b) => (a.id < b.id ? -1 : 1));
    const g = order.length;
    order.push(members);
    const [producerId, topic] = key.split('\u0000');
    const n = members.length;
    statements.push(
      {
        sql: `INSERT INTO topic_sequences (producer_id, topic, next_seq) VALUES (?, ?, ?)
              ON DUPLICATE KEY UPDATE next_seq = next_seq + ?`,
        params: [producerId, topic, n + 1, n],
      },
      {
        sql: `SELECT next_seq - ? INTO @rms_seq_${g} FROM topic_sequences WHERE producer_id = ? AND topic = ?`,
        params: [n, producerId, topic],
      },
    );
    members.forEach((m, i) => {
      cases.push(`WHEN ? THEN @rms_seq_${g} + ${i}`);
      params.push(m.id);
    });
  }
  return {
    statements,
    cases: cases.join(' '),
    params,
    reads:
      order.length > 0
        ? [{ sql: `SELECT ${order.map((_, g) => `@rms_seq_${g} AS s${g}`).join(', ')}` }]
        : [],
    numbers: (read) => {
      const seqs = new Map<string, number>();
      if (order.length === 0) return seqs;
      const firsts = (read as Record<string, string | number>[])[0];
      order.forEach((members, g) =>
        members.forEach((m, i) => seqs.set(m.id, Number(firsts[`s${g}`]) + i)),
      );
      return seqs;
    },
  };
}

function attemptDetail(o: AttemptOutcome): Record<string, unknown> {
  const base = { attempt: o.message.attempt, latencyMs: o.latencyMs };
  switch (o.kind) {
    case 'sent':
      return { ...base, ok: true, mqMessageId: o.mqMessageId };
    case 'retry':
      return { ...base, ok: false, error: o.error, retryInMs: o.retryInMs };
    case 'failed':
      return { ...base, ok: false, error: o.error, permanent: o.permanent };
  }
}
