import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The next `seq` to hand out per (producer, topic). Bumped once per batch of messages being
 * stamped for their first send, never per message.
 */
@Entity({ name: 'topic_sequences' })
export class TopicSequenceEntity {
  @PrimaryColumn({
    name: 'producer_id',
    type: 'varchar',
    length: 64,
    charset: 'ascii',
    collation: 'ascii_bin',
  })
  producerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 127, charset: 'ascii', collation: 'ascii_bin' })
  topic!: string;

  @Column({ name: 'next_seq', type: 'bigint' })
  nextSeq!: number;
}
