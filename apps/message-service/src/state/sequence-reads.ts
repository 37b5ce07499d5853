import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { placeholders } from '../database/sql';

/** One (producer, topic) whose messages are numbered. */
export interface SequencePair {
  producerId: string;
  topic: string;
}

/** A pair and the highest seq handed out so far (0 when none). */
export interface NumberedPair extends SequencePair {
  lastSeq: number;
}

export interface SequenceCounts extends SequencePair {
  /** SENT messages with a seq. */
  sent: number;
  maxSentSeq: number;
  /** FAILED messages with a seq: gaps on purpose. */
  failed: number;
}

/** A SENT message that a consumer group should have reported. */
export interface NumberedMessage {
  seq: number;
  messageId: string;
  msgLogId: string;
  sentAt: Date;
}

/** SENT messages in a group's holes: the first ones by seq, how many in all, the oldest's age. */
export interface MissingMessages {
  items: NumberedMessage[];
  total: number;
  /** Since the longest-missing one was sent (database clock); null when none. */
  oldestAgeMs: number | null;
}

/** At most this many holes go into one query; more are read in further queries. */
const HOLES_PER_QUERY = 500;

/**
 * Reads of `messages` by sequence number, for reconciliation: which (producer, topic) pairs are
 * numbered, what was sent of each, and which SENT messages lie in a group's holes. Every query
 * walks `ix_messages_producer_topic_seq`.
 */
@Injectable()
export class SequenceReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The numbered (producer, topic) pairs of these topics. */
  async pairs(topics: string[], producerId?: string): Promise<NumberedPair[]> {
    if (topics.length === 0) return [];
    const rows = await this.db.query<{ producer_id: string; topic: string; next_seq: string }[]>(
      `SELECT producer_id, topic, next_seq FROM topic_sequences WHERE topic IN (${placeholders(topics.length)})
        ${producerId !== undefined ? 'AND producer_id = ?' : ''} ORDER BY producer_id, topic`,
      producerId !== undefined ? [...topics, producerId] : topics,
    );
    return rows.map((r) => ({
      producerId: r.producer_id,
      topic: r.topic,
      lastSeq: Number(r.next_seq) - 1,
    }));
  }

  async counts(pair: SequencePair): Promise<SequenceCounts> {
    const rows = await this.db.query<{ status: number; n: string | number; max: string | null }[]>(
      `SELECT status, COUNT(*) AS n, MAX(seq) AS max FROM messages
        WHERE producer_id = ? AND topic = ? AND seq IS NOT NULL AND status IN (?, ?)
        GROUP BY status`,
      [pair.producerId, pair.topic, MessageStatus.SENT, MessageStatus.FAILED],
    );
    const of = (status: MessageStatus) => rows.find((r) => Number(r.status) === Number(status));
    return {
      ...pair,
      sent: Number(of(MessageStatus.SENT)?.n ?? 0),
      maxSentSeq: Number(of(MessageStatus.SENT)?.max ?? 0),
      failed: Number(of(MessageStatus.FAILED)?.n ?? 0),
    };
  }

  /**
   * SENT messages of the pair whose seq lies in one of `holes`, sent between `sentFrom` and
   * `graceMs` ago (database clock): the first `limit` by seq, and how many there are in all.
   */
  async sentInHoles(
    pair: SequencePair,
    holes: [number, number][],
    sentFrom: Date,
    graceMs: number,
    limit: number,
  ): Promise<MissingMessages> {
    const items: NumberedMessage[] = [];
    let total = 0;
    let oldestAgeMs: number | null = null;
    for (let i = 0; i < holes.length; i += HOLES_PER_QUERY) {
      const chunk = holes.slice(i, i + HOLES_PER_QUERY);
      const where = `producer_id = ? AND topic = ? AND status = ${MessageStatus.SENT}
        AND (${chunk.map(() => 'seq BETWEEN ? AND ?').join(' OR ')})
        AND sent_at >= ? AND sent_at < TIMESTAMPADD(MICROSECOND, ? * -1000, UTC_TIMESTAMP(3))`;
      const params = [pair.producerId, pair.topic, ...chunk.flat(), sentFrom, graceMs];
      const [count] = await this.db.query<{ n: string | number; age: string | number | null }[]>(
        `SELECT COUNT(*) AS n,
                TIMESTAMPDIFF(MICROSECOND, MIN(sent_at), UTC_TIMESTAMP(3)) DIV 1000 AS age
           FROM messages WHERE ${where}`,
        params,
      );
      total += Number(count.n);
      if (count.age !== null) oldestAgeMs = Math.max(oldestAgeMs ?? 0, Number(count.age));
      if (items.length < limit && Number(count.n) > 0) {
        const rows = await this.db.query<
          { seq: string | number; id: string; msg_log_id: string; sent_at: Date }[]
        >(`SELECT seq, id, msg_log_id, sent_at FROM messages WHERE ${where} ORDER BY seq LIMIT ?`, [
          ...params,
          limit - items.length,
        ]);
        items.push(
          ...rows.map((r) => ({
            seq: Number(r.seq),
            messageId: r.id,
            msgLogId: r.msg_log_id,
            sentAt: r.sent_at,
          })),
        );
      }
    }
    return { items, total, oldestAgeMs };
  }
}
