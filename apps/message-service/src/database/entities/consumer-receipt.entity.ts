import { Column, Entity, PrimaryColumn } from 'typeorm';

const SLUG = { type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin' } as const;

/**
 * What a consumer group reported handled of one (producer, topic), compactly: every `seq` up to
 * `watermark`, and the merged ranges above it.
 */
@Entity({ name: 'consumer_receipts' })
export class ConsumerReceiptEntity {
  @PrimaryColumn({ name: 'consumer_group_id', ...SLUG })
  consumerGroupId!: string;

  @PrimaryColumn({ name: 'producer_id', ...SLUG })
  producerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 127, charset: 'ascii', collation: 'ascii_bin' })
  topic!: string;

  @Column({ type: 'bigint', default: 0 })
  watermark!: number;

  /**
   * The highest seq of the pair when the group was registered for the topic: the group is not
   * expected to have handled what came before it.
   */
  @Column({ name: 'floor_seq', type: 'bigint', default: 0 })
  floorSeq!: number;

  /** JSON array of `[from, to]` (inclusive), sorted, disjoint, all above `watermark + 1`. */
  @Column({ type: 'mediumtext' })
  ranges!: string;

  /** How many numbers the ranges hold (so that `consumed` needs no parsing). */
  @Column({ name: 'in_ranges', type: 'bigint', default: 0 })
  inRanges!: number;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
