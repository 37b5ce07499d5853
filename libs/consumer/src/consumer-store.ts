import type { EntityManager } from 'typeorm';
import { Gap } from './gap-tracker';
import { GapStore, inserted } from './gap-store';
import { RmsMessage } from './message';

/** Holes asked about in one query, and rows read at a time, by `handledInGaps`. */
const HOLES_PER_QUERY = 100;
const PAGE = 1000;

/** The handler's transaction was rolled back inside the handler: the message is not handled. */
export class NotCommittedError extends Error {
  constructor(readonly messageId: string) {
    super(
      `@rms/consumer: message ${messageId} was not committed: the handler's transaction was ` +
        'rolled back inside the handler (a failed statement or a deadlock it caught); ' +
        'it is delivered again',
    );
    this.name = 'NotCommittedError';
  }
}

/**
 * The consumer's own tables in its database: the inbox (`rms_inbox`: one row per handled message
 * and group, written in the handler's transaction), the gap watermarks (`rms_consumer_watermark`)
 * and the gaps already reported (`rms_consumer_gap`, kept by `GapStore`). MySQL, MariaDB or
 * PostgreSQL.
 */
export class ConsumerStore extends GapStore {
  async ensureSchema(): Promise<void> {
    const my = this.dialect === 'mysql';
    const text = (n: number) =>
      my ? `VARCHAR(${n}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin` : `VARCHAR(${n})`;
    const time = my
      ? 'DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)'
      : 'TIMESTAMPTZ NOT NULL DEFAULT now()';
    for (const sql of [
      `CREATE TABLE IF NOT EXISTS rms_inbox (
         consumer_group ${text(128)} NOT NULL, message_id ${text(64)} NOT NULL,
         producer_id ${text(64)} NOT NULL, topic ${text(127)} NOT NULL, seq BIGINT NULL,
         handled_at ${time}, PRIMARY KEY (consumer_group, message_id))`,
      `CREATE TABLE IF NOT EXISTS rms_consumer_watermark (
         consumer_group ${text(128)} NOT NULL, producer_id ${text(64)} NOT NULL,
         topic ${text(127)} NOT NULL, watermark BIGINT NOT NULL,
         PRIMARY KEY (consumer_group, producer_id, topic))`,
      `CREATE TABLE IF NOT EXISTS rms_consumer_gap (
         consumer_group ${text(128)} NOT NULL, producer_id ${text(64)} NOT NULL,
         topic ${text(127)} NOT NULL, from_seq BIGINT NOT NULL, to_seq BIGINT NOT NULL,
         reported_at ${time}, PRIMARY KEY (consumer_group, producer_id, topic, from_seq))`,
      `CREATE INDEX ${my ? '' : 'IF NOT EXISTS '}ix_rms_inbox_seq ON rms_inbox (consumer_group, producer_id, topic, seq)`,
      `CREATE INDEX ${my ? '' : 'IF NOT EXISTS '}ix_rms_inbox_handled_at ON rms_inbox (handled_at)`,
    ]) {
      try {
        await this.db.query(sql);
      } catch (error) {
        // MySQL has no CREATE INDEX IF NOT EXISTS: an index that exists is fine.
        if (!(my && /Duplicate key name/i.test((error as Error).message))) throw error;
      }
    }
  }

  /**
   * Runs `work` in a transaction that first records the message in the inbox. A message the group
   * handled before (its row exists, or a concurrent delivery is writing it) is not run again.
   * Before the commit the inbox row is read back in the transaction: `work` that broke the
   * transaction without throwing (a failed statement it caught, which aborts a PostgreSQL
   * transaction and makes its COMMIT a rollback; a deadlock it caught, which rolls an InnoDB
   * transaction back) fails the message instead of having it acknowledged with nothing stored.
   */
  async handleOnce(
    group: string,
    message: RmsMessage,
    work: (tx: EntityManager) => Promise<void>,
  ): Promise<'handled' | 'duplicate'> {
    return this.db.transaction(async (tx) => {
      const fresh = inserted(
        await tx.query<unknown>(
          this.dialect === 'mysql'
            ? `INSERT IGNORE INTO rms_inbox (consumer_group, message_id, producer_id, topic, seq)
               VALUES (?, ?, ?, ?, ?)`
            : `INSERT INTO rms_inbox (consumer_group, message_id, producer_id, topic, seq)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING message_id`,
          [group, message.id, message.producerId, message.topic, message.seq],
        ),
      );
      if (!fresh) return 'duplicate';
      await work(tx);
      const held = await tx
        .query<unknown[]>(
          `SELECT 1 FROM rms_inbox WHERE consumer_group = ${this.param(1)} AND message_id = ${this.param(2)}`,
          [group, message.id],
        )
        .catch((error: unknown) => {
          // PostgreSQL's in_failed_sql_transaction: a statement failed earlier in the transaction.
          if ((error as { code?: string }).code === '25P02')
            throw new NotCommittedError(message.id);
          throw error;
        });
      if (held.length === 0) throw new NotCommittedError(message.id);
      return 'handled';
    });
  }

  /** The (producer, topic) pairs of numbered messages the group handled. */
  async handledPairs(group: string): Promise<{ producerId: string; topic: string }[]> {
    const rows = await this.db.query<{ producer_id: string; topic: string }[]>(
      `SELECT DISTINCT producer_id, topic FROM rms_inbox
        WHERE consumer_group = ${this.param(1)} AND seq IS NOT NULL`,
      [group],
    );
    return rows.map((r) => ({ producerId: r.producer_id, topic: r.topic }));
  }

  /**
   * The seqs of one (producer, topic) the group handled that lie in `holes` (`to` null: no upper
   * bound) and above `after`, in order, at most `limit`.
   */
  async handledSeqs(
    group: string,
    producerId: string,
    topic: string,
    holes: [number, number | null][],
    after: number,
    limit: number,
  ): Promise<number[]> {
    if (holes.length === 0) return [];
    const params: unknown[] = [group, producerId, topic, after];
    const p = () => this.param(params.length);
    const [g, pr, t, a] = [1, 2, 3, 4].map((n) => this.param(n));
    const conditions = holes.map(([from, to]) => {
      params.push(from);
      const lower = `seq >= ${p()}`;
      if (to === null) return lower;
      params.push(to);
      return `(${lower} AND seq <= ${p()})`;
    });
    params.push(limit);
    const rows = await this.db.query<{ seq: string | number }[]>(
      `SELECT seq FROM rms_inbox
        WHERE consumer_group = ${g} AND producer_id = ${pr} AND topic = ${t} AND seq > ${a}
          AND (${conditions.join(' OR ')})
        ORDER BY seq LIMIT ${p()}`,
      params,
    );
    return rows.map((r) => Number(r.seq));
  }

  /** The numbers in `gaps` that the group's inbox holds (handled by any of its processes). */
  async handledInGaps(
    group: string,
    gaps: Gap[],
  ): Promise<{ producerId: string; topic: string; seq: number }[]> {
    const byPair = new Map<string, Gap[]>();
    for (const gap of gaps) {
      const k = `${gap.producerId}\u0000${gap.topic}`;
      if (!byPair.get(k)?.push(gap)) byPair.set(k, [gap]);
    }
    const found: { producerId: string; topic: string; seq: number }[] = [];
    for (const pairGaps of byPair.values()) {
      const { producerId, topic } = pairGaps[0];
      for (let i = 0; i < pairGaps.length; i += HOLES_PER_QUERY) {
        const holes = pairGaps
          .slice(i, i + HOLES_PER_QUERY)
          .map((g): [number, number] => [g.fromSeq, g.toSeq]);
        for (let after = holes[0][0] - 1; ;) {
          const seqs = await this.handledSeqs(group, producerId, topic, holes, after, PAGE);
          for (const seq of seqs) found.push({ producerId, topic, seq });
          if (seqs.length < PAGE) break;
          after = seqs[seqs.length - 1];
        }
      }
    }
    return found;
  }

  /** Deletes inbox rows older than `olderThanMs`, `batchSize` at a time; returns how many. */
  async cleanup(olderThanMs: number, batchSize = 1000): Promise<number> {
    const seconds = Math.floor(olderThanMs / 1000);
    let total = 0;
    for (;;) {
      let n: number;
      if (this.dialect === 'mysql') {
        n = (
          await this.db.query<{ affectedRows: number }>(
            'DELETE FROM rms_inbox WHERE handled_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT ?',
            [seconds, batchSize],
          )
        ).affectedRows;
      } else {
        [, n] = await this.db.query<[unknown[], number]>(
          `DELETE FROM rms_inbox WHERE ctid IN (SELECT ctid FROM rms_inbox
             WHERE handled_at < now() - make_interval(secs => $1) LIMIT $2)`,
          [seconds, batchSize],
        );
      }
      total += n;
      if (n < batchSize) return total;
    }
  }
}
