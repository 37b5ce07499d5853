import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A registered consumer group: it reports what it handled (receipts) with its own API key. */
@Entity({ name: 'consumer_groups' })
export class ConsumerGroupEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin' })
  id!: string;

  /** JSON array of the topics the group consumes. */
  @Column({ type: 'text' })
  topics!: string;

  /** SHA-256 (hex) of the group's API key. */
  @Index('uq_consumer_groups_api_key_hash', { unique: true })
  @Column({
    name: 'api_key_hash',
    type: 'char',
    length: 64,
    charset: 'ascii',
    collation: 'ascii_bin',
  })
  apiKeyHash!: string;

  @Column({ type: 'tinyint', width: 1, default: 1 })
  enabled!: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
