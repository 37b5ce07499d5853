import type { DataSource } from 'typeorm';
import { Gap, RestoredSequence } from './gap-tracker';

export type Dialect = 'mysql' | 'postgres';

/** Whether an INSERT IGNORE (MySQL) or an INSERT … RETURNING (PostgreSQL) inserted its row. */
export const inserted = (result: unknown): boolean =>
  Array.isArray(result) ? result.length > 0 : (result as { affectedRows: number }).affectedRows > 0;

/**
 * A consumer group's gap state in the consumer's database: the watermarks
 * (`rms_consumer_watermark`) and the gaps reported (`rms_consumer_gap`), with the numbers the inbox
 * holds above the watermarks. MySQL, MariaDB or PostgreSQL; `ConsumerStore` creates the tables.
 */
export class GapStore {
  protected readonly dialect: Dialect;

  constructor(protected readonly db: DataSource) {
    const type = db.options.type;
    if (type === 'mysql' || type === 'mariadb') this.dialect = 'mysql';
    else if (type === 'postgres') this.dialect = 'postgres';
    else
      throw new Error(
        `@rms/consumer: the inbox supports MySQL, MariaDB and PostgreSQL, not ${type}`,
      );
  }

  /** The n-th statement parameter's placeholder: `?` (MySQL) or `$n` (PostgreSQL). */
  protected param(n: number): string {
    return this.dialect === 'mysql' ? '?' : `$${n}`;
  }

  /** Each (producer, topic)'s persisted watermark, the numbers handled above it, the reported gaps. */
  async loadSequences(
    group: string,
  ): Promise<Map<string, RestoredSequence & { producerId: string; topic: string }>> {
    const sequences = new Map<string, RestoredSequence & { producerId: string; topic: string }>();
    const of = (producerId: string, topic: string) => {
      const k = `${producerId}\u0000${topic}`;
      let s = sequences.get(k);
      if (!s)
        sequences.set(k, (s = { producerId, topic, watermark: 0, received: [], reported: [] }));
      return s;
    };
    type Row = { producer_id: string; topic: string; n: string | number; m?: string | number };
    for (const r of await this.db.query<Row[]>(
      `SELECT producer_id, topic, watermark AS n FROM rms_consumer_watermark WHERE consumer_group = ${this.param(1)}`,
      [group],
    )) {
      of(r.producer_id, r.topic).watermark = Number(r.n);
    }
    for (const r of await this.db.query<Row[]>(
      `SELECT i.producer_id, i.topic, i.seq AS n FROM rms_inbox i
         LEFT JOIN rms_consumer_watermark w ON w.consumer_group = i.consumer_group
              AND w.producer_id = i.producer_id AND w.topic = i.topic
        WHERE i.consumer_group = ${this.param(1)} AND i.seq IS NOT NULL AND i.seq > COALESCE(w.watermark, 0)`,
      [group],
    )) {
      of(r.producer_id, r.topic).received.push(Number(r.n));
    }
    for (const r of await this.db.query<Row[]>(
      `SELECT producer_id, topic, from_seq AS n, to_seq AS m FROM rms_consumer_gap WHERE consumer_group = ${this.param(1)}`,
      [group],
    )) {
      of(r.producer_id, r.topic).reported.push({ fromSeq: Number(r.n), toSeq: Number(r.m) });
    }
    // Without a watermark, tracking resumes just below the first number handled.
    for (const s of sequences.values()) {
      if (s.watermark === 0 && s.received.length > 0) s.watermark = Math.min(...s.received) - 1;
    }
    return sequences;
  }

  async saveWatermarks(
    group: string,
    marks: { producerId: string; topic: string; watermark: number }[],
  ): Promise<void> {
    for (const m of marks) {
      await this.db.query(
        this.dialect === 'mysql'
          ? `INSERT INTO rms_consumer_watermark (consumer_group, producer_id, topic, watermark) VALUES (?, ?, ?, ?)
             ON DUPLICATE KEY UPDATE watermark = GREATEST(watermark, VALUES(watermark))`
          : `INSERT INTO rms_consumer_watermark (consumer_group, producer_id, topic, watermark) VALUES ($1, $2, $3, $4)
             ON CONFLICT (consumer_group, producer_id, topic)
             DO UPDATE SET watermark = GREATEST(rms_consumer_watermark.watermark, EXCLUDED.watermark)`,
        [group, m.producerId, m.topic, m.watermark],
      );
    }
  }

  /**
   * Stores a gap the group does not have yet and returns it: of the processes of a group that
   * saw one hole, the one that stores it first reports it. When another one stored a gap starting
   * at the same number first, this one extends it if it reaches further and returns the part
   * beyond it; otherwise nothing (nothing to report).
   */
  async saveGap(group: string, g: Gap): Promise<Gap | undefined> {
    const my = this.dialect === 'mysql';
    const key = [group, g.producerId, g.topic, g.fromSeq];
    const stored = await this.db.query<unknown>(
      my
        ? 'INSERT IGNORE INTO rms_consumer_gap (consumer_group, producer_id, topic, from_seq, to_seq) VALUES (?, ?, ?, ?, ?)'
        : `INSERT INTO rms_consumer_gap (consumer_group, producer_id, topic, from_seq, to_seq)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING from_seq`,
      [...key, g.toSeq],
    );
    if (inserted(stored)) return g;
    const [g1, g2, g3, g4] = [1, 2, 3, 4].map((n) => this.param(n));
    const where = `consumer_group = ${g1} AND producer_id = ${g2} AND topic = ${g3} AND from_seq = ${g4}`;
    // Compare and set: another process may be extending the same row.
    for (;;) {
      const [row] = await this.db.query<{ to_seq: string | number }[]>(
        `SELECT to_seq FROM rms_consumer_gap WHERE ${where}`,
        key,
      );
      const before = Number(row?.to_seq ?? g.toSeq);
      if (before >= g.toSeq) return undefined;
      const result = await this.db.query<unknown>(
        `UPDATE rms_consumer_gap SET to_seq = ${this.param(5)} WHERE ${where} AND to_seq = ${this.param(6)}`,
        my ? [g.toSeq, ...key, before] : [...key, g.toSeq, before],
      );
      // MySQL: the result header; PostgreSQL: [rows, count].
      const changed = Array.isArray(result)
        ? Number(result[1])
        : (result as { affectedRows: number }).affectedRows;
      if (changed > 0) return { ...g, fromSeq: before + 1 };
    }
  }

  /** Stores gaps (see `saveGap`) and returns what is this process's to report. */
  async saveGaps(group: string, gaps: Gap[]): Promise<Gap[]> {
    const report: Gap[] = [];
    for (const g of gaps) {
      const part = await this.saveGap(group, g);
      if (part) report.push(part);
    }
    return report;
  }
}
