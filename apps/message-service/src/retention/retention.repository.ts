import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ISOLATION } from '../database/isolation';
import { placeholders } from '../database/sql';

/** Deletes old finished messages in small batches, so that no delete holds many locks. */
@Injectable()
export class RetentionRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Deletes up to `limit` SENT or CANCELLED messages (and their events) created and last changed
   * more than `days` days ago; returns how many. FAILED messages are never deleted here.
   */
  deleteFinished(days: number, limit: number): Promise<number> {
    return this.db.transaction(ISOLATION, async (tx) => {
      const rows = await tx.query<{ id: string }[]>(
        `SELECT id FROM messages
          WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL ? DAY
            AND updated_at < UTC_TIMESTAMP(3) - INTERVAL ? DAY
            AND status IN (${MessageStatus.SENT}, ${MessageStatus.CANCELLED})
          LIMIT ?`,
        [days, days, limit],
      );
      if (rows.length === 0) return 0;
      const ids = rows.map((r) => r.id);
      await tx.query(
        `DELETE FROM message_events WHERE message_id IN (${placeholders(ids.length)})`,
        ids,
      );
      const result = await tx.query<{ affectedRows: number }>(
        `DELETE FROM messages WHERE id IN (${placeholders(ids.length)})
            AND status IN (${MessageStatus.SENT}, ${MessageStatus.CANCELLED})`,
        ids,
      );
      return result.affectedRows;
    });
  }
}
