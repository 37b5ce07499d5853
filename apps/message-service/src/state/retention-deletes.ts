import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { placeholders } from '../database/sql';
import { inTransaction } from '../database/transaction';
import { WriteResult } from '../database/sql';

/** Deletes old finished messages in small batches, so that no delete holds many locks. */
@Injectable()
export class RetentionDeletes {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Deletes up to `limit` SENT or CANCELLED messages (and their events) created and last changed
   * more than `days` days ago; returns how many. FAILED messages are never deleted here.
   */
  deleteFinished(days: number, limit: number): Promise<number> {
    return inTransaction(this.db, async (trips) => {
      const [rows] = (await trips.send([
        {
          sql: `SELECT id FROM messages
                 WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL ? DAY
                   AND updated_at < UTC_TIMESTAMP(3) - INTERVAL ? DAY
                   AND status IN (${MessageStatus.SENT}, ${MessageStatus.CANCELLED})
                 LIMIT ?`,
          params: [days, days, limit],
        },
      ])) as [{ id: string }[]];
      if (rows.length === 0) {
        await trips.commit([]);
        return 0;
      }
      const ids = rows.map((r) => r.id);
      const list = placeholders(ids.length);
      const [, deleted] = await trips.commit([
        { sql: `DELETE FROM message_events WHERE message_id IN (${list})`, params: ids },
        {
          sql: `DELETE FROM messages WHERE id IN (${list})
                   AND status IN (${MessageStatus.SENT}, ${MessageStatus.CANCELLED})`,
          params: ids,
        },
      ]);
      return (deleted as WriteResult).affectedRows;
    });
  }
}
