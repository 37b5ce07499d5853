import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One message. Schema only: queries live in the message state module (`state/`). */
@Entity({ name: 'messages' })
@Index('uq_messages_producer_msg_log_id', ['producerId', 'msgLogId'], { unique: true })
@Index('ix_messages_status_next_attempt', ['status', 'nextAttemptAt'])
@Index('ix_messages_created_at', ['createdAt'])
@Index('ix_messages_sent_at', ['sentAt'])
@Index('ix_messages_producer_topic_seq', ['producerId', 'topic', 'seq'])
@Index('ix_messages_group_order', ['producerId', 'topic', 'messageGroup', 'status', 'confirmedAt'])
export class MessageEntity {
  /** ULID made by the service. */
  @PrimaryColumn({ type: 'char', length: 26, charset: 'ascii', collation: 'ascii_bin' })
  id!: string;

  @Column({
    name: 'producer_id',
    type: 'varchar',
    length: 64,
    charset: 'ascii',
    collation: 'ascii_bin',
  })
  producerId!: string;

  @Column({ name: 'msg_log_id', type: 'varchar', length: 128, collation: 'utf8mb4_bin' })
  msgLogId!: string;

  @Column({ type: 'varchar', length: 127, charset: 'ascii', collation: 'ascii_bin' })
  topic!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  tag!: string | null;

  /** JSON array of user keys. */
  @Column({ type: 'text', nullable: true })
  keys!: string | null;

  /** JSON object of user properties. */
  @Column({ type: 'text', nullable: true })
  properties!: string | null;

  @Column({ name: 'message_group', type: 'varchar', length: 128, nullable: true })
  messageGroup!: string | null;

  @Column({ type: 'mediumblob' })
  body!: Buffer;

  /** SHA-256 of the message content; makes the idempotent-replay comparison cheap. */
  @Column({
    name: 'content_hash',
    type: 'char',
    length: 64,
    charset: 'ascii',
    collation: 'ascii_bin',
  })
  contentHash!: string;

  @Column({ name: 'msg_log_url', type: 'varchar', length: 2048, nullable: true })
  msgLogUrl!: string | null;

  @Column({ type: 'tinyint' })
  status!: number;

  @Column({ name: 'fail_msg', type: 'varchar', length: 1024, nullable: true })
  failMsg!: string | null;

  @Column({ name: 'check_back_count', type: 'int', default: 0 })
  checkBackCount!: number;

  @Column({ name: 'delivery_attempts', type: 'int', default: 0 })
  deliveryAttempts!: number;

  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3, nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'deliver_at', type: 'datetime', precision: 3, nullable: true })
  deliverAt!: Date | null;

  @Column({ name: 'mq_message_id', type: 'varchar', length: 128, nullable: true })
  mqMessageId!: string | null;

  @Column({ type: 'bigint', nullable: true })
  seq!: number | null;

  /** The fencing token of the claim that holds the message, if any (hex). */
  @Column({
    name: 'claim_token',
    type: 'char',
    length: 32,
    nullable: true,
    charset: 'ascii',
    collation: 'ascii_bin',
  })
  claimToken!: string | null;

  @Column({ name: 'confirmed_at', type: 'datetime', precision: 3, nullable: true })
  confirmedAt!: Date | null;

  @Column({ name: 'sent_at', type: 'datetime', precision: 3, nullable: true })
  sentAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
