import type { DataSource } from 'typeorm';
import { Gap, RestoredSequence } from './gap-tracker';

export type Dialect = 'mysql' | 'postgres';

/** Whether an INSERT IGNORE (MySQL), an UPDATE or an INSERT … RETURNING (PostgreSQL) wrote its row. */
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

  /** Each (producer, topic)'s persisted watermark, the numbers handled above it, the reported gaps. */
  async loadSequences(
    group: string,
  ): Promise<Map<string, RestoredSequence & { producerId: string; topic: string }>> {
    const p = (n: number) => (this.dialect === 'mysql' ? '?' : `$${n}`);
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
      `SELECT producer_id, topic, watermark AS n FROM rms_consumer_watermark WHERE consumer_group = ${p(1)}`,
      [group],
    )) {
      of(r.producer_id, r.topic).watermark = Number(r.n);
    }
    for (const r of await this.db.query<Row[]>(
      `SELECT i.producer_id, i.topic, i.seq AS n FROM rms_inbox i
         LEFT JOIN rms_consumer_watermark w ON w.consumer_group = i.consumer_group
              AND w.producer_id = i.producer_id AND w.topic = i.topic
        WHERE i.consumer_group = ${p(1)} AND i.seq IS NOT NULL AND i.seq > COALESCE(w.watermark, 0)`,
      [group],
    )) {
      of(r.producer_id, r.topic).received.push(Number(r.n));
    }
    for (const r of await this.db.query<Row[]>(
      `SELECT producer_id, topic, from_seq AS n, to_seq AS m FROM rms_consumer_gap WHERE consumer_group = ${p(1)}`,
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
   * Stores a gap the group does not have yet (another process of it may have seen the same hole
   * and stored it first), or extends the stored one that starts there and ends sooner. True when
   * it did either: the gap (or its part beyond the stored one) is this process's to report.
   */
  async saveGap(group: string, g: Gap): Promise<boolean> {
    const key = [group, g.producerId, g.topic, g.fromSeq];
    if (this.dialect === 'postgres') {
      return inserted(
        await this.db.query<unknown>(
          `INSERT INTO rms_consumer_gap (consumer_group, producer_id, topic, from_seq, to_seq)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (consumer_group, producer_id, topic, from_seq)
           DO UPDATE SET to_seq = EXCLUDED.to_seq WHERE rms_consumer_gap.to_seq < EXCLUDED.to_seq
           RETURNING from_seq`,
          [...key, g.toSeq],
        ),
      );
    }
    const insert =
      'INSERT IGNORE INTO rms_consumer_gap (consumer_group, producer_id, topic, from_seq, to_seq) VALUES (?, ?, ?, ?, ?)';
    if (inserted(await this.db.query<unknown>(insert, [...key, g.toSeq]))) return true;
    return inserted(
      await this.db.query<unknown>(
        `UPDATE rms_consumer_gap SET to_seq = ? WHERE consumer_group = ? AND producer_id = ?
            AND topic = ? AND from_seq = ? AND to_seq < ?`,
        [g.toSeq, ...key, g.toSeq],
      ),
    );
  }

  /** Stores gaps (see `saveGap`) and returns the ones stored or extended. */
  async saveGaps(group: string, gaps: Gap[]): Promise<Gap[]> {
    const stored: Gap[] = [];
    for (const g of gaps) if (await this.saveGap(group, g)) stored.push(g);
    return stored;
  }
}
