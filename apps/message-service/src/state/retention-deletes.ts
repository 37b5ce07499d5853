import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { placeholders, WriteResult } from '../database/sql';
import { inSet, inTransaction, lockIntoSet } from '../database/transaction';

/** The user variable holding the ids a retention delete locked while still finished and old. */
const DOOMED = 'rms_doomed';
const FINISHED_AND_OLD = `created_at < UTC_TIMESTAMP(3) - INTERVAL ? DAY
   AND updated_at < UTC_TIMESTAMP(3) - INTERVAL ? DAY
   AND status IN (${MessageStatus.SENT}, ${MessageStatus.CANCELLED})`;

/** Deletes old finished messages in small batches, so that no delete holds many locks. */
@Injectable()
export class RetentionDeletes {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Deletes up to `limit` SENT or CANCELLED messages (and their events) created and last changed
   * more than `days` days ago; returns how many. FAILED messages are never deleted here.
   *
   * The messages are locked first, by primary key, and checked again under the lock (a row
   * another transaction holds, such as a resend under way, is skipped): only the locked rows
   * lose their events and go, so a message that a resend keeps also keeps its whole timeline.
   */
  deleteFinished(days: number, limit: number): Promise<number> {
    return inTransaction(this.db, async (trips) => {
      const candidates = await this.db.query<{ id: string }[]>(
        `SELECT id FROM messages WHERE ${FINISHED_AND_OLD} LIMIT ?`,
        [days, days, limit],
      );
      if (candidates.length === 0) return 0;
      const ids = candidates.map((r) => r.id);
      const list = placeholders(ids.length);
      const [, , deleted] = await trips.commit([
        lockIntoSet(
          DOOMED,
          `FROM messages FORCE INDEX (PRIMARY)
            WHERE id IN (${list}) AND ${FINISHED_AND_OLD} FOR UPDATE SKIP LOCKED`,
          [...ids, days, days],
        ),
        {
          sql: `DELETE FROM message_events WHERE message_id IN (${list}) AND ${inSet(DOOMED, 'message_id')}`,
          params: ids,
        },
        { sql: `DELETE FROM messages WHERE id IN (${list}) AND ${inSet(DOOMED)}`, params: ids },
      ]);
      return (deleted as WriteResult).affectedRows;
    });
  }
}
