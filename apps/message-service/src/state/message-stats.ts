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

export interface Backlog {
  /** Messages per status, all producers. */
  byStatus: Record<number, number>;
  oldestPendingAgeMs: number | null;
  /** Since the oldest CONFIRMED message became due (delayed ones not yet due do not count). */
  oldestConfirmedAgeMs: number | null;
  sentLastMinute: number;
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

  async backlog(): Promise<Backlog> {
    const [byStatus, ages, sent] = await Promise.all([
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
    ]);
    const nullable = (v: number | string | null) => (v === null ? null : Number(v));
    return {
      byStatus: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
      oldestPendingAgeMs: nullable(ages[0].pending),
      oldestConfirmedAgeMs: nullable(ages[0].confirmed),
      sentLastMinute: Number(sent[0].n),
    };
  }
}
