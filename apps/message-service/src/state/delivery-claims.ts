import { MessageStatus } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { claimRows } from './claim';
import { seqAllocation } from './seq-allocation';

/** A CONFIRMED message claimed by this instance for one send attempt. */
export interface ClaimedMessage {
  id: string;
  producerId: string;
  msgLogId: string;
  topic: string;
  tag: string | null;
  keys: string[];
  properties: Record<string, string>;
  messageGroup: string | null;
  body: Buffer;
  seq: number;
  /** This attempt's number (1 = first). */
  attempt: number;
  /** Time since confirm at the claim (database clock). */
  waitedMs: number;
  /** The claim's fencing token: the outcome applies only while it still holds. */
  claimToken: string;
  /**
   * When the claim began (this process's clock; its lease runs from a little later): a send
   * must end within half the lease of it.
   */
  claimedAt?: number;
}

/** A claim of due messages, and whether more may be due than it took. */
export interface DueClaim {
  messages: ClaimedMessage[];
  more: boolean;
}

interface ClaimRow {
  id: string;
  producer_id: string;
  msg_log_id: string;
  topic: string;
  tag: string | null;
  keys: string | null;
  properties: string | null;
  message_group: string | null;
  body: Buffer;
  seq: number | string | null;
  delivery_attempts: number;
  waited_ms: number | string | null;
}

const COLUMNS = `id, producer_id, msg_log_id, topic, tag, \`keys\`, properties, message_group, body, seq,
  delivery_attempts, TIMESTAMPDIFF(MICROSECOND, confirmed_at, UTC_TIMESTAMP(3)) DIV 1000 AS waited_ms`;

/**
 * Per-group FIFO: a message of a `messageGroup` is sent only while no earlier-confirmed message
 * of its (producer, topic, group) is CONFIRMED or FAILED (ties by id), so a group reaches the MQ
 * in confirm order, one message at a time; a retrying or FAILED head holds back its own group
 * only. Reads `ix_messages_group_order`, forced: with statistics that lag a fast-growing table
 * the optimizer would rather scan every message of the producer's topic by
 * `ix_messages_producer_topic_seq` for each row it checks (seen under load, at a few ms a row).
 */
export const HEAD_OF_GROUP = `(message_group IS NULL OR NOT EXISTS (
  SELECT 1 FROM messages e FORCE INDEX (ix_messages_group_order)
   WHERE e.producer_id = messages.producer_id AND e.topic = messages.topic
     AND e.message_group = messages.message_group
     AND e.status IN (${MessageStatus.CONFIRMED}, ${MessageStatus.FAILED})
     AND (e.confirmed_at < messages.confirmed_at
          OR (e.confirmed_at = messages.confirmed_at AND e.id < messages.id))))`;

/**
 * Claims of CONFIRMED messages for delivery: each claim counts the attempt, numbers the rows that
 * have no `seq` yet (per producer and topic, without holes), stamps a fresh claim token and takes
 * a lease (see `claimRows`).
 */
@Injectable()
export class DeliveryClaims {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Claims up to `limit` due messages, oldest due first. `more`: `limit` due messages were found,
   * so more may be due (some of them may have been passed over, held by another claim).
   */
  async claimDue(limit: number, leaseMs: number): Promise<DueClaim> {
    const { messages, candidates } = await this.claim(undefined, limit, leaseMs);
    return { messages, more: candidates >= limit };
  }

  /** Claims those of `ids` that are due and not claimed by anybody else. */
  async claimIds(ids: string[], leaseMs: number): Promise<ClaimedMessage[]> {
    return ids.length === 0 ? [] : (await this.claim(ids, ids.length, leaseMs)).messages;
  }

  private async claim(
    ids: string[] | undefined,
    limit: number,
    leaseMs: number,
  ): Promise<{ messages: ClaimedMessage[]; candidates: number }> {
    // Before the claim: its lease is counted from no earlier than this.
    const claimedAt = Date.now();
    let numbers: ReturnType<typeof seqAllocation>['numbers'] = () => new Map();
    const claim = await claimRows<ClaimRow>(this.db, {
      status: MessageStatus.CONFIRMED,
      ids,
      limit,
      eligible: HEAD_OF_GROUP,
      leaseMs,
      columns: COLUMNS,
      extra: (rows) => {
        const seq = seqAllocation(rows);
        numbers = seq.numbers;
        return {
          statements: seq.statements,
          set: `delivery_attempts = delivery_attempts + 1
                ${seq.cases ? `, seq = CASE id ${seq.cases} ELSE seq END` : ''}`,
          params: seq.params,
          reads: seq.reads,
        };
      },
    });
    const seqs = numbers(claim.reads[claim.reads.length - 1]);
    const messages = claim.rows.map((r) => ({
      id: r.id,
      producerId: r.producer_id,
      msgLogId: r.msg_log_id,
      topic: r.topic,
      tag: r.tag,
      keys: r.keys ? (JSON.parse(r.keys) as string[]) : [],
      properties: r.properties ? (JSON.parse(r.properties) as Record<string, string>) : {},
      messageGroup: r.message_group,
      body: r.body,
      seq: r.seq !== null ? Number(r.seq) : seqs.get(r.id)!,
      attempt: r.delivery_attempts + 1,
      waitedMs: Number(r.waited_ms ?? 0),
      claimToken: claim.token,
      claimedAt,
    }));
    return { messages, candidates: claim.candidates };
  }
}
