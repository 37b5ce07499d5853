import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ISOLATION, retryOnDeadlock } from '../database/isolation';
import { insertEvents, NewEvent } from '../messages/message.repository';
import { DataSource, EntityManager } from 'typeorm';
import { placeholders, WriteResult } from '../database/sql';

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

  private claimOnce(options: {
    ids?: string[];
    limit: number;
    leaseMs: number;
  }): Promise<ClaimedMessage[]> {
    return this.db.transaction(ISOLATION, async (tx) => {
      // Rows are locked by primary key only, the same lock order as every other writer of
      // `messages` (primary key, then the secondary indexes, then `topic_sequences`): a locking
      // scan of the (status, next_attempt_at) index would lock index records first and deadlock
      // with claims and confirms that come through the primary key. Candidates are therefore
      // picked by a plain read, then locked, and due-ness is checked again under the lock.
      const ids =
        options.ids ??
        (
          await tx.query<{ id: string }[]>(
            `SELECT id FROM messages
              WHERE status = ${MessageStatus.CONFIRMED} AND next_attempt_at <= UTC_TIMESTAMP(3)
              ORDER BY next_attempt_at LIMIT ?`,
            [options.limit],
          )
        ).map((r) => r.id);
      if (ids.length === 0) return [];
      const rows: ClaimRow[] = await tx.query(
        `SELECT id, producer_id, msg_log_id, topic, tag, \`keys\`, properties, message_group, body, seq,
                delivery_attempts, TIMESTAMPDIFF(MICROSECOND, confirmed_at, UTC_TIMESTAMP(3)) DIV 1000 AS waited_ms
           FROM messages FORCE INDEX (PRIMARY)
          WHERE id IN (${placeholders(ids.length)})
            AND status = ${MessageStatus.CONFIRMED} AND next_attempt_at <= UTC_TIMESTAMP(3)
          FOR UPDATE SKIP LOCKED`,
        ids,
      );
      if (rows.length === 0) return [];
      const seqs = await this.allocateSeqs(tx, rows);
      const claimed = rows.map((r) => r.id);
      const stamp = [...seqs.entries()];
      await tx.query(
        `UPDATE messages
            SET delivery_attempts = delivery_attempts + 1,
                next_attempt_at = TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3)),
                ${stamp.length ? `seq = CASE id ${stamp.map(() => 'WHEN ? THEN ?').join(' ')} ELSE seq END,` : ''}
                updated_at = UTC_TIMESTAMP(3)
          WHERE id IN (${placeholders(claimed.length)})`,
        [options.leaseMs, ...stamp.flat(), ...claimed],
      );
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
   * Gives every row without a `seq` the next number of its (producer, topic): one counter update
   * per pair per batch, in a fixed order so that concurrent claims cannot deadlock. The numbers
   * are used in this transaction or not at all (a rollback returns them), so there are no holes.
   */
  private async allocateSeqs(tx: EntityManager, rows: ClaimRow[]): Promise<Map<string, number>> {
    const groups = new Map<string, ClaimRow[]>();
    for (const row of rows) {
      if (row.seq !== null) continue;
      const key = `${row.producer_id}\u0000${row.topic}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    const seqs = new Map<string, number>();
    for (const key of [...groups.keys()].sort()) {
      const members = groups.get(key)!.sort((a, b) => (a.id < b.id ? -1 : 1));
      const [producerId, topic] = key.split('\u0000');
      const n = members.length;
      await tx.query(
        `INSERT INTO topic_sequences (producer_id, topic, next_seq) VALUES (?, ?, ?)
         ON DUPLICATE KEY UPDATE next_seq = next_seq + ?`,
        [producerId, topic, n + 1, n],
      );
      const [{ next_seq }] = await tx.query<{ next_seq: number | string }[]>(
        'SELECT next_seq FROM topic_sequences WHERE producer_id = ? AND topic = ?',
        [producerId, topic],
      );
      const first = Number(next_seq) - n;
      members.forEach((m, i) => seqs.set(m.id, first + i));
    }
    return seqs;
  }

  /**
   * Records the outcomes of a batch of attempts in one transaction. Retried when it loses a
   * deadlock: a completion that never commits leaves sent messages CONFIRMED, to be sent again
   * once their lease runs out.
   */
  complete(outcomes: AttemptOutcome[]): Promise<{ sent: string[]; failed: string[] }> {
    if (outcomes.length === 0) return Promise.resolve({ sent: [], failed: [] });
    return retryOnDeadlock(() => this.completeOnce(outcomes));
  }

  private completeOnce(outcomes: AttemptOutcome[]): Promise<{ sent: string[]; failed: string[] }> {
    return this.db.transaction(ISOLATION, async (tx) => {
      const ids = outcomes.map((o) => o.message.id);
      // Lock the rows and keep only those still CONFIRMED: an operator may have cancelled one
      // while it was in flight; its outcome is then recorded as an attempt only.
      const current: { id: string }[] = await tx.query(
        `SELECT id FROM messages FORCE INDEX (PRIMARY)
          WHERE id IN (${placeholders(ids.length)}) AND status = ${MessageStatus.CONFIRMED}
          FOR UPDATE`,
        ids,
      );
      const live = new Set(current.map((r) => r.id));
      const events: (NewEvent & { messageId: string })[] = [];
      const sent = outcomes.filter(
        (o): o is Extract<AttemptOutcome, { kind: 'sent' }> =>
          o.kind === 'sent' && live.has(o.message.id),
      );
      const failed: string[] = [];

      for (const o of outcomes) {
        events.push({
          messageId: o.message.id,
          type: 'DELIVERY_ATTEMPT',
          detail: attemptDetail(o),
        });
      }
      if (sent.length > 0) {
        await tx.query(
          `UPDATE messages
              SET status = ${MessageStatus.SENT}, sent_at = UTC_TIMESTAMP(3), next_attempt_at = NULL,
                  fail_msg = NULL, updated_at = UTC_TIMESTAMP(3),
                  mq_message_id = CASE id ${sent.map(() => 'WHEN ? THEN ?').join(' ')} END
            WHERE id IN (${placeholders(sent.length)}) AND status = ${MessageStatus.CONFIRMED}`,
          [...sent.flatMap((o) => [o.message.id, o.mqMessageId]), ...sent.map((o) => o.message.id)],
        );
        for (const o of sent) {
          events.push({
            messageId: o.message.id,
            type: 'SENT',
            detail: {
              from: 'CONFIRMED',
              to: 'SENT',
              mqMessageId: o.mqMessageId,
              attempt: o.message.attempt,
            },
          });
        }
      }
      for (const o of outcomes) {
        if (!live.has(o.message.id) || o.kind === 'sent') continue;
        if (o.kind === 'retry') {
          await tx.query(
            `UPDATE messages SET next_attempt_at = TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3)),
                    fail_msg = ?, updated_at = UTC_TIMESTAMP(3)
              WHERE id = ? AND status = ${MessageStatus.CONFIRMED}`,
            [o.retryInMs, o.error.slice(0, 1024), o.message.id],
          );
        } else {
          const result: WriteResult = await tx.query(
            `UPDATE messages SET status = ${MessageStatus.FAILED}, next_attempt_at = NULL, fail_msg = ?,
                    updated_at = UTC_TIMESTAMP(3)
              WHERE id = ? AND status = ${MessageStatus.CONFIRMED}`,
            [o.error.slice(0, 1024), o.message.id],
          );
          if (result.affectedRows === 1) {
            failed.push(o.message.id);
            events.push({
              messageId: o.message.id,
              type: 'FAILED',
              detail: {
                from: 'CONFIRMED',
                to: 'FAILED',
                reason: o.permanent ? 'permanent send error' : 'delivery attempts exhausted',
                attempts: o.message.attempt,
                error: o.error,
              },
            });
          }
        }
      }
      await insertEvents(tx, events);
      return { sent: sent.map((o) => o.message.id), failed };
    });
  }
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
