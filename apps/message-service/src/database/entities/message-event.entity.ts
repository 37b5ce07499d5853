import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One entry of a message's timeline. Schema only: written by `MessageRepository`. */
@Entity({ name: 'message_events' })
@Index('ix_message_events_message_id', ['messageId', 'id'])
export class MessageEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: number;

  @Column({
    name: 'message_id',
    type: 'char',
    length: 26,
    charset: 'ascii',
    collation: 'ascii_bin',
  })
  messageId!: string;

  @Column({ type: 'varchar', length: 32, charset: 'ascii', collation: 'ascii_bin' })
  type!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;

  /** JSON: HTTP status, latency, error, actor, from/to status. */
  @Column({ type: 'text', nullable: true })
  detail!: string | null;
}
