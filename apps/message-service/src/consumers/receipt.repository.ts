import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { placeholders } from '../database/sql';
import { inTransaction } from '../database/transaction';
import { countInRanges, mergeReceipts, ReceiptState, SeqRange } from './receipt-ranges';

/** A group's receipts of one (producer, topic). */
export interface StoredReceipts extends ReceiptState {
  consumerGroupId: string;
  producerId: string;
  topic: string;
  /** How many numbers were reported: the watermark and the ranges above it. */
  consumed: number;
  /** Numbers up to here came before the group was registered for the topic. */
  floor: number;
}

interface ReceiptRow {
  consumer_group_id: string;
  producer_id: string;
  topic: string;
  watermark: string | number;
  ranges: string;
  in_ranges: string | number;
  floor_seq: string | number;
}

const toReceipts = (r: ReceiptRow): StoredReceipts => ({
  consumerGroupId: r.consumer_group_id,
  producerId: r.producer_id,
  topic: r.topic,
  watermark: Number(r.watermark),
  ranges: JSON.parse(r.ranges) as SeqRange[],
  consumed: Number(r.watermark) + Number(r.in_ranges),
  floor: Number(r.floor_seq),
});

/** Storage of receipts (`consumer_receipts`): one compact row per (group, producer, topic). */
@Injectable()
export class ReceiptRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Marks where the group starts on each numbered (producer, topic) of these topics: what was
   * numbered before is not expected of it. Pairs it already has keep their state.
   */
  async startAt(group: string, topics: string[]): Promise<void> {
    if (topics.length === 0) return;
    await this.db.query(
      `INSERT IGNORE INTO consumer_receipts
         (consumer_group_id, producer_id, topic, watermark, floor_seq, ranges, in_ranges, updated_at)
       SELECT ?, producer_id, topic, 0, next_seq - 1, '[]', 0, UTC_TIMESTAMP(3)
         FROM topic_sequences WHERE topic IN (${placeholders(topics.length)})`,
      [group, ...topics],
    );
  }

  /**
   * Adds reported ranges to the stored union, under the row's lock; returns the new state, or
   * undefined (and stores nothing) when the union would hold more than `maxRanges` ranges.
   */
  async add(
    group: string,
    producerId: string,
    topic: string,
    reported: SeqRange[],
    maxRanges: number,
  ): Promise<ReceiptState | undefined> {
    const key = [group, producerId, topic];
    // The row exists before it is locked, so that two first reports cannot both insert it.
    await this.db.query(
      `INSERT IGNORE INTO consumer_receipts
         (consumer_group_id, producer_id, topic, watermark, ranges, in_ranges, updated_at)
       VALUES (?, ?, ?, 0, '[]', 0, UTC_TIMESTAMP(3))`,
      key,
    );
    return inTransaction(this.db, async (trips) => {
      const [rows] = (await trips.send([
        {
          sql: `SELECT watermark, ranges FROM consumer_receipts
                 WHERE consumer_group_id = ? AND producer_id = ? AND topic = ? FOR UPDATE`,
          params: key,
        },
      ])) as [{ watermark: string | number; ranges: string }[]];
      const stored: ReceiptState = {
        watermark: Number(rows[0].watermark),
        ranges: JSON.parse(rows[0].ranges) as SeqRange[],
      };
      const next = mergeReceipts(stored, reported);
      if (next.ranges.length > maxRanges) {
        await trips.commit([]);
        return undefined;
      }
      await trips.commit([
        {
          sql: `UPDATE consumer_receipts SET watermark = ?, ranges = ?, in_ranges = ?,
                  updated_at = UTC_TIMESTAMP(3)
                 WHERE consumer_group_id = ? AND producer_id = ? AND topic = ?`,
          params: [next.watermark, JSON.stringify(next.ranges), countInRanges(next.ranges), ...key],
        },
      ]);
      return next;
    });
  }

  /** What the group reported of one (producer, topic); nothing yet is watermark 0. */
  async find(group: string, producerId: string, topic: string): Promise<ReceiptState> {
    const rows = await this.db.query<{ watermark: string | number; ranges: string }[]>(
      `SELECT watermark, ranges FROM consumer_receipts
        WHERE consumer_group_id = ? AND producer_id = ? AND topic = ?`,
      [group, producerId, topic],
    );
    if (!rows[0]) return { watermark: 0, ranges: [] };
    return {
      watermark: Number(rows[0].watermark),
      ranges: JSON.parse(rows[0].ranges) as SeqRange[],
    };
  }

  /** The stored receipts of these groups. */
  async ofGroups(groups: string[]): Promise<StoredReceipts[]> {
    if (groups.length === 0) return [];
    const rows = await this.db.query<ReceiptRow[]>(
      `SELECT consumer_group_id, producer_id, topic, watermark, ranges, in_ranges, floor_seq
         FROM consumer_receipts WHERE consumer_group_id IN (${placeholders(groups.length)})`,
      groups,
    );
    return rows.map(toReceipts);
  }
}
