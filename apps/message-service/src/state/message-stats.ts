import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface StatusCount {
  producerId: string;
  topic: string;
  status: MessageStatus;
  count: number;
}

/** A message group held back by a FAILED message: nothing after it is sent until it is resent or cancelled. */
export interface BlockedGroup {
  producerId: string;
  topic: string;
  messageGroup: string;
  /** The FAILED message at its head. */
  headMessageId: string;
  /** CONFIRMED messages of the group waiting behind it. */
  waiting: number;
}

/** A producer whose check-backs fail: its PENDING messages whose last check-back was an error. */
export interface FailingProducer {
  producerId: string;
  messages: number;
  /** The error of the longest-failing one. */
  error: string;
}

export interface Backlog {
  /** Messages per status, all producers. */
  byStatus: Record<number, number>;
  oldestPendingAgeMs: number | null;
  /** Since the oldest CONFIRMED message became due (delayed ones not yet due do not count). */
  oldestConfirmedAgeMs: number | null;
  sentLastMinute: number;
  /** Message groups whose head is FAILED. */
  blockedGroups: number;
}

/** Aggregates over `messages` for the stats endpoint and the metrics gauges (database clock). */
@Injectable()
export class MessageStats {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async counts(): Promise<StatusCount[]> {
    const rows: { producer_id: string; topic: string; status: number; n: number | string }[] =
      await this.db.query(
        'SELECT producer_id, topic, status, COUNT(*) AS n FROM messages GROUP BY producer_id, topic, status',
      );
    return rows.map((r) => ({
      producerId: r.producer_id,
      topic: r.topic,
      status: r.status,
      count: Number(r.n),
    }));
  }

  /** Groups with a FAILED message (the head that blocks them), and how many wait behind each. */
  async blockedGroups(limit = 1000): Promise<BlockedGroup[]> {
    const rows = await this.db.query<
      { producer_id: string; topic: string; message_group: string; head: string; waiting: string }[]
    >(
      `SELECT f.producer_id, f.topic, f.message_group, MIN(f.id) AS head,
              (SELECT COUNT(*) FROM messages c
                WHERE c.producer_id = f.producer_id AND c.topic = f.topic
                  AND c.message_group = f.message_group AND c.status = ${MessageStatus.CONFIRMED}) AS waiting
         FROM messages f
        WHERE f.status = ${MessageStatus.FAILED} AND f.message_group IS NOT NULL
        GROUP BY f.producer_id, f.topic, f.message_group
        ORDER BY f.producer_id, f.topic, f.message_group LIMIT ?`,
      [limit],
    );
    return rows.map((r) => ({
      producerId: r.producer_id,
      topic: r.topic,
      messageGroup: r.message_group,
      headMessageId: r.head,
      waiting: Number(r.waiting),
    }));
  }

  /** Producers with PENDING messages whose last check-back failed (not answered UNKNOWN). */
  async failingProducers(limit = 100): Promise<FailingProducer[]> {
    const rows = await this.db.query<{ producer_id: string; n: string; error: string }[]>(
      `SELECT producer_id, COUNT(*) AS n, MIN(fail_msg) AS error FROM messages
        WHERE status = ${MessageStatus.PENDING} AND fail_msg LIKE 'check-back failed:%'
        GROUP BY producer_id ORDER BY COUNT(*) DESC LIMIT ?`,
      [limit],
    );
    return rows.map((r) => ({ producerId: r.producer_id, messages: Number(r.n), error: r.error }));
  }

  async backlog(): Promise<Backlog> {
    const [byStatus, ages, sent, blocked] = await Promise.all([
      this.db.query<{ status: number; n: number | string }[]>(
        'SELECT status, COUNT(*) AS n FROM messages GROUP BY status',
      ),
      this.db.query<{ pending: number | string | null; confirmed: number | string | null }[]>(
        `SELECT
           (SELECT TIMESTAMPDIFF(MICROSECOND, MIN(created_at), UTC_TIMESTAMP(3)) DIV 1000
              FROM messages WHERE status = ${MessageStatus.PENDING}) AS pending,
           (SELECT TIMESTAMPDIFF(MICROSECOND,
                     MIN(GREATEST(confirmed_at, COALESCE(deliver_at, confirmed_at))),
                     UTC_TIMESTAMP(3)) DIV 1000
              FROM messages WHERE status = ${MessageStatus.CONFIRMED}
               AND (deliver_at IS NULL OR deliver_at <= UTC_TIMESTAMP(3))) AS confirmed`,
      ),
      this.db.query<{ n: number | string }[]>(
        `SELECT COUNT(*) AS n FROM messages
          WHERE sent_at >= UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE AND status = ${MessageStatus.SENT}`,
      ),
      this.db.query<{ n: number | string }[]>(
        `SELECT COUNT(DISTINCT producer_id, topic, message_group) AS n FROM messages
          WHERE status = ${MessageStatus.FAILED} AND message_group IS NOT NULL`,
      ),
    ]);
    const nullable = (v: number | string | null) => (v === null ? null : Number(v));
    return {
      byStatus: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
      oldestPendingAgeMs: nullable(ages[0].pending),
      oldestConfirmedAgeMs: nullable(ages[0].confirmed),
      sentLastMinute: Number(sent[0].n),
      blockedGroups: Number(blocked[0].n),
    };
  }
}
