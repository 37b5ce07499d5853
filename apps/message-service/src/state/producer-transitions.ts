import { MessageStatus } from '@app/contracts';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { idsWith, placeholders } from '../database/sql';
import { readMaxAllowedPacket, statementBudget } from '../database/max-packet';
import {
  inSet,
  inTransaction,
  lockIntoSet,
  oneTrip,
  parseSet,
  readSet,
  Statement,
} from '../database/transaction';
import { insertMessages, readNow, stampNow, storedMessage } from './message-insert';
import { AfterCommit } from './after-commit';
import { claimAtInsert, confirmAndClaim } from './claim-on-write';
import { behindTheirHeads, idsOf } from './group-heads';
import { Message, NewMessage, TransitionResult } from './message';
import { MESSAGE_COLUMNS, MessageRow, toMessage } from './message-row';
import { changeOf, CONFIRM_SET, transitionOne } from './transition';

/** A producer's confirm of one message. */
export interface ConfirmRequest {
  id: string;
  producerId: string;
}

/** The user variable holding the ids a group confirm found PENDING and changes. */
const CHANGING = 'rms_changing';

/** The transitions a producer makes: prepare, confirm, cancel. */
@Injectable()
export class ProducerTransitions implements OnModuleInit {
  private packet?: Promise<number>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly effects: AfterCommit,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.maxPacket();
  }

  private maxPacket(): Promise<number> {
    this.packet ??= readMaxAllowedPacket(this.db).catch((error: unknown) => {
      this.packet = undefined;
      throw error;
    });
    return this.packet;
  }

  /**
   * Stores new messages, PENDING or (with `confirmed: true`) CONFIRMED: multi-row INSERTs stamped
   * with one instant of the database clock, one commit, and the read of that instant, in one
   * round trip, or a few when the rows would not fit one packet (max_allowed_packet, read once);
   * the messages are made from what was inserted and that instant, not read back. All or
   * nothing: a duplicate msgLogId fails them all. When delivery runs here, the CONFIRMED ones due
   * at once and in no group are stored claimed for their first attempt (`claimAtInsert`).
   */
  async prepare(messages: NewMessage[]): Promise<Message[]> {
    const claim = claimAtInsert(messages, this.effects);
    const inserts = insertMessages(messages, statementBudget(await this.maxPacket()), claim);
    const grouped = messages
      .filter((m) => m.status === MessageStatus.CONFIRMED && m.messageGroup !== null)
      .map((m) => m.id);
    const after = [
      readNow(),
      ...(claim?.reads ?? []),
      ...(grouped.length > 0 ? [behindTheirHeads(grouped)] : []),
    ];
    const results = await inTransaction(this.db, async (trips) => {
      // One trip when the rows fit one statement (the rule); one per statement for big ones.
      const trip: Statement[][] = inserts.map((insert) => [insert]);
      trip[0].unshift(stampNow(), ...(claim?.statements ?? []));
      for (const statements of trip.slice(0, -1)) await trips.send(statements);
      return trips.commit(trip[trip.length - 1], after);
    });
    const reads = results.slice(results.length - after.length);
    const [{ now }] = reads[0] as { now: Date }[];
    const claimed = claim?.claimed(reads[1]) ?? [];
    const behind = grouped.length > 0 ? idsOf(reads[reads.length - 1]) : undefined;
    const seqs = new Map(claimed.map((m) => [m.id, m.seq]));
    const stored = messages.map((m) => {
      const seq = seqs.get(m.id);
      return storedMessage(
        m,
        now,
        seq === undefined ? undefined : { leaseMs: claim!.leaseMs, seq },
      );
    });
    this.effects.committed(
      stored.map((m) => ({
        messageId: m.id,
        producerId: m.producerId,
        topic: m.topic,
        to: m.status === MessageStatus.CONFIRMED ? 'CONFIRMED' : 'PENDING',
      })),
      claimed,
      behind,
    );
    return stored;
  }

  /**
   * PENDING → CONFIRMED for many messages in one transaction: the rows still PENDING and owned by
   * the given producer are locked by primary key and changed (the happy path: its record is the
   * row's confirmed_at, no event row); then every message is read back. A message that does not
   * exist for that producer has no `message`. Confirmed messages are due at once, or at their
   * deliverAt. When delivery runs here, those due at once and in no group are also claimed for
   * their first attempt (two round trips, `confirmAndClaim`); otherwise it takes one.
   */
  async confirm(items: ConfirmRequest[]): Promise<TransitionResult[]> {
    const receiver = this.effects.claimsOnWrite(items.length);
    const { changed, rows, claimed } = receiver
      ? await confirmAndClaim(this.db, items, receiver.leaseMs)
      : { ...(await this.confirmOnly(items)), claimed: [] };
    const answered = new Set<string>();
    const outcome = items.map((i) => {
      const message = rows.get(i.id);
      // Of two confirms of one message in one group, the first made the change.
      const madeIt = changed.has(i.id) && !answered.has(i.id);
      answered.add(i.id);
      return {
        changed: madeIt,
        message: message && message.producerId === i.producerId ? message : undefined,
      };
    });
    // The grouped ones wait for the read of which of them are behind their group's head; the
    // answer and everything else go on at once. Committed already: if the read fails, they are
    // all handed off, as before it existed.
    const grouped = outcome
      .filter((r) => r.changed && r.message?.messageGroup != null)
      .map((r) => r.message!.id);
    this.effects.committed(
      outcome.flatMap((r) => changeOf(r, 'CONFIRMED')),
      claimed,
      new Set(grouped),
    );
    if (grouped.length > 0) {
      void this.db.query(behindTheirHeads(grouped).sql, grouped).then(
        (rows) => {
          const behind = idsOf(rows);
          this.effects.due(grouped.filter((id) => !behind.has(id)));
        },
        () => this.effects.due(grouped),
      );
    }
    return outcome;
  }

  /** The confirm of `confirm` without claims: one round trip. */
  private async confirmOnly(
    items: ConfirmRequest[],
  ): Promise<{ changed: Set<string>; rows: Map<string, Message> }> {
    const ids = items.map((i) => i.id);
    const list = placeholders(ids.length);
    const owned = idsWith(
      'producer_id',
      items.map((i) => ({ id: i.id, value: i.producerId })),
    );
    const results = await oneTrip(
      this.db,
      [
        lockIntoSet(
          CHANGING,
          `FROM messages FORCE INDEX (PRIMARY)
            WHERE id IN (${list}) AND status = ${MessageStatus.PENDING} AND ${owned.sql}
            FOR UPDATE`,
          [...ids, ...owned.params],
        ),
        {
          sql: `UPDATE messages SET status = ${MessageStatus.CONFIRMED}, claim_token = NULL,
                  updated_at = UTC_TIMESTAMP(3), ${CONFIRM_SET}
                WHERE id IN (${list}) AND ${inSet(CHANGING)}`,
          params: ids,
        },
      ],
      [
        readSet(CHANGING),
        { sql: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id IN (${list})`, params: ids },
      ],
    );
    return {
      changed: parseSet(results[results.length - 2]),
      rows: new Map((results[results.length - 1] as MessageRow[]).map((r) => [r.id, toMessage(r)])),
    };
  }

  /** PENDING → CANCELLED by the producer (its transaction rolled back). */
  async cancel(id: string, producerId: string): Promise<TransitionResult> {
    const result = await transitionOne(this.db, {
      id,
      producerId,
      from: MessageStatus.PENDING,
      to: MessageStatus.CANCELLED,
      set: 'next_attempt_at = NULL, fail_msg = ?',
      params: ['cancelled by the producer'],
      event: {
        type: 'CANCELLED',
        detail: { actor: 'producer', reason: 'cancelled by the producer' },
      },
    });
    this.effects.committed(changeOf(result, 'CANCELLED'));
    return result;
  }
}
