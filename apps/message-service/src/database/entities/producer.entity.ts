import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A registered business service. Schema only: queries live in `ProducerRepository`. */
@Entity({ name: 'producers' })
export class ProducerEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, charset: 'ascii', collation: 'ascii_bin' })
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ name: 'check_back_url', type: 'varchar', length: 2048 })
  checkBackUrl!: string;

  /** JSON array of extra origins (`https://host:port`) a message's msgLogUrl may name. */
  @Column({ name: 'allowed_check_back_origins', type: 'text' })
  allowedCheckBackOrigins!: string;

  /** SHA-256 (hex) of the API key; keys are 256-bit random so a fast hash is sufficient. */
  @Index('uq_producers_api_key_hash', { unique: true })
  @Column({
    name: 'api_key_hash',
    type: 'char',
    length: 64,
    charset: 'ascii',
    collation: 'ascii_bin',
  })
  apiKeyHash!: string;

  @Column({ name: 'signing_secret', type: 'varchar', length: 128 })
  signingSecret!: string;

  @Column({ type: 'tinyint', width: 1, default: 1 })
  enabled!: number;

  @Column({ name: 'check_back_delay_ms', type: 'int', nullable: true })
  checkBackDelayMs!: number | null;

  @Column({ name: 'check_back_give_up_ms', type: 'int', nullable: true })
  checkBackGiveUpMs!: number | null;

  @Column({ name: 'check_back_timeout_ms', type: 'int', nullable: true })
  checkBackTimeoutMs!: number | null;

  @Column({ name: 'check_back_concurrency', type: 'int', nullable: true })
  checkBackConcurrency!: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
