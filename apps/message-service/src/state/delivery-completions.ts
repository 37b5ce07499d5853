import { MessageStatus } from '@app/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { idsWith, placeholders } from '../database/sql';
import {
  inSet,
  lockIntoSet,
  oneTrip,
  parseSet,
  readSet,
  retryOnDeadlock,
  Statement,
} from '../database/transaction';
import { AfterCommit } from './after-commit';
import { ClaimedMessage } from './delivery-claims';
import { failMsg } from './message-row';
import { insertAttempts, insertEvents, insertEventsInSet, NewEvent } from './timeline';

export type AttemptOutcome =
  | { kind: 'sent'; message: ClaimedMessage; mqMessageId: string; latencyMs: number }
  | { kind: 'retry'; message: ClaimedMessage; error: string; retryInMs: number; latencyMs: number }
  | {
      kind: 'failed';
      message: ClaimedMessage;
      error: string;
      permanent: boolean;
      latencyMs: number;
    };

type Sent = Extract<AttemptOutcome, { kind: 'sent' }>;
type Retry = Extract<AttemptOutcome, { kind: 'retry' }>;
type Failed = Extract<AttemptOutcome, { kind: 'failed' }>;

/** The user variable holding the ids whose claim still holds (CONFIRMED, same token). */
const LIVE = 'rms_live';

/**
 * Records the outcomes of send attempts: SENT with the receipt, a retry with its backoff, or
 * FAILED. Fenced: an outcome changes a message only while the claim that produced it still
 * holds (the message is CONFIRMED and carries the claim's token). An outcome that lost its claim
 * (the lease ran out and another instance claimed the message, or an operator changed it) is
 * recorded as a stale attempt and changes nothing else.
 */
@Injectable()
export class DeliveryCompletions {
  private readonly logger = new Logger('DeliveryCompletions');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly effects: AfterCommit,
  ) {}

  /**
   * Records a batch of outcomes in one transaction, in one round trip, and returns the ids that
   * became SENT and FAILED; the stale attempts of first attempts whose claim no longer held, if
   * any, follow in a second (`recordStale`). A completion that never commits leaves sent
   * messages CONFIRMED, to be sent again once their lease runs out.
   */
  async complete(outcomes: AttemptOutcome[]): Promise<{ sent: string[]; failed: string[] }> {
    if (outcomes.length === 0) return { sent: [], failed: [] };
    const ids = outcomes.map((o) => o.message.id);
    // The updates below pick rows by id among those whose claim held: one outcome per message.
    if (new Set(ids).size !== ids.length)
      throw new Error('one completion holds one outcome per message');
    const sent = outcomes.filter((o): o is Sent => o.kind === 'sent');
    const retry = outcomes.filter((o): o is Retry => o.kind === 'retry');
    const failed = outcomes.filter((o): o is Failed => o.kind === 'failed');
    // A claim takes many messages with one token: each token is named once.
    const claims = idsWith(
      'claim_token',
      outcomes.map((o) => ({ id: o.message.id, value: o.message.claimToken })),
    );
    const statements: Statement[] = [
      lockIntoSet(
        LIVE,
        `FROM messages FORCE INDEX (PRIMARY)
          WHERE id IN (${placeholders(ids.length)}) AND status = ${MessageStatus.CONFIRMED}
            AND ${claims.sql}
          FOR UPDATE`,
        [...ids, ...claims.params],
      ),
    ];
    if (sent.length > 0) {
      statements.push(
        update(
          sent,
          `status = ${MessageStatus.SENT}, sent_at = UTC_TIMESTAMP(3), next_attempt_at = NULL,
          fail_msg = NULL, mq_message_id = CASE id ${cases(sent)} END`,
          (o) => [o.mqMessageId],
        ),
      );
    }
    if (retry.length > 0) {
      statements.push(
        update(
          retry,
          `next_attempt_at = CASE id ${cases(retry, 'TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3))')} END,
           fail_msg = CASE id ${cases(retry)} END`,
          (o) => [o.retryInMs],
          (o) => [failMsg(o.error)],
        ),
      );
    }
    if (failed.length > 0) {
      statements.push(
        update(
          failed,
          `status = ${MessageStatus.FAILED}, next_attempt_at = NULL, fail_msg = CASE id ${cases(failed)} END`,
          (o) => [failMsg(o.error)],
        ),
      );
    }
    // Every attempt is on the timeline, and the transitions where they happened; but a send that
    // succeeds at its first attempt is the happy path, recorded in the row (sent_at,
    // mq_message_id, delivery_attempts): it gets an event only if its claim was lost (stale).
    const firstTry = (o: AttemptOutcome) => o.kind === 'sent' && o.message.attempt === 1;
    const attempt = (o: AttemptOutcome): NewEvent => ({
      messageId: o.message.id,
      type: 'DELIVERY_ATTEMPT',
      detail: attemptDetail(o),
    });
    const recorded = outcomes.filter((o) => !firstTry(o));
    if (recorded.length > 0) statements.push(insertAttempts(LIVE, recorded.map(attempt)));
    const transitions: NewEvent[] = [
      ...sent
        .filter((o) => !firstTry(o))
        .map((o) => ({
          messageId: o.message.id,
          type: 'SENT' as const,
          detail: {
            from: 'CONFIRMED',
            to: 'SENT',
            mqMessageId: o.mqMessageId,
            attempt: o.message.attempt,
          },
        })),
      ...failed.map((o) => ({
        messageId: o.message.id,
        type: 'FAILED' as const,
        detail: {
          from: 'CONFIRMED',
          to: 'FAILED',
          reason: o.permanent ? 'permanent send error' : 'delivery attempts exhausted',
          attempts: o.message.attempt,
          error: o.error,
        },
      })),
    ];
    if (transitions.length > 0) statements.push(insertEventsInSet(LIVE, transitions));
    const groups = nextOfGroups(sent);
    const results = await oneTrip(this.db, statements, [readSet(LIVE), ...groups]);
    const live = parseSet(results[results.length - 1 - groups.length]);
    const applied = {
      sent: sent.filter((o) => live.has(o.message.id)),
      failed: failed.filter((o) => live.has(o.message.id)),
    };
    this.effects.committed([
      ...applied.sent.map((o) => ({ ...changeOf(o), to: 'SENT' as const })),
      ...applied.failed.map((o) => ({ ...changeOf(o), to: 'FAILED' as const })),
    ]);
    if (groups.length > 0) {
      // The next message of each group whose head was just sent may go now.
      const next = (results[results.length - 1] as { id: string; status: number }[])
        .filter((r) => Number(r.status) === Number(MessageStatus.CONFIRMED))
        .map((r) => r.id);
      this.effects.due(next);
    }
    // A first attempt whose claim no longer held is not the happy path: its attempt is written,
    // marked stale, once the trip told which they were (rare; so the trip carries nothing for it).
    const stale = outcomes.filter((o) => firstTry(o) && !live.has(o.message.id));
    if (stale.length > 0) await this.recordStale(stale.map(attempt));
    return {
      sent: applied.sent.map((o) => o.message.id),
      failed: applied.failed.map((o) => o.message.id),
    };
  }

  /**
   * Writes the attempts of first attempts that lost their claim, marked stale: one INSERT, after
   * the completion's commit. The outcomes are recorded already, so a failure here loses these
   * records only (as a crash loses the attempts of sends whose completion never ran); it is
   * logged with what they would have said.
   */
  private async recordStale(attempts: NewEvent[]): Promise<void> {
    const events = attempts.map((e) => ({ ...e, detail: { ...e.detail, stale: true } }));
    const insert = insertEvents(events);
    try {
      await retryOnDeadlock(() => this.db.query(insert.sql, insert.params));
    } catch (error) {
      const lost = events.map((e) => ({ messageId: e.messageId, ...e.detail }));
      this.logger.error(`stale attempts not recorded: ${JSON.stringify(lost)}: ${String(error)}`);
    }
  }
}

/**
 * After the commit: the first message still CONFIRMED or FAILED of each group that had a message
 * sent (one read for all groups), for the hand-off of the next in line.
 */
function nextOfGroups(sent: Sent[]): Statement[] {
  const keys = new Map<string, [string, string, string]>();
  for (const { message: m } of sent) {
    if (m.messageGroup !== null)
      keys.set(`${m.producerId}\u0000${m.topic}\u0000${m.messageGroup}`, [
        m.producerId,
        m.topic,
        m.messageGroup,
      ]);
  }
  if (keys.size === 0) return [];
  const one = `(SELECT id, status FROM messages FORCE INDEX (ix_messages_group_order)
      WHERE producer_id = ? AND topic = ? AND message_group = ?
        AND status IN (${MessageStatus.CONFIRMED}, ${MessageStatus.FAILED})
      ORDER BY confirmed_at, id LIMIT 1)`;
  return [
    {
      sql: [...keys.values()].map(() => one).join(' UNION ALL '),
      params: [...keys.values()].flat(),
    },
  ];
}

const changeOf = (o: AttemptOutcome) => ({
  messageId: o.message.id,
  producerId: o.message.producerId,
  topic: o.message.topic,
});

/** `WHEN ? THEN <value>` arms, one per outcome (the parameters come from `update`). */
const cases = (outcomes: AttemptOutcome[], value = '?'): string =>
  outcomes.map(() => `WHEN ? THEN ${value}`).join(' ');

/**
 * The UPDATE of the outcomes of one kind where their claim held: `set` holds one `CASE id` per
 * entry of `values`, whose arms take (id, value) pairs in order; the claim is released.
 */
function update<O extends AttemptOutcome>(
  outcomes: O[],
  set: string,
  ...values: ((o: O) => unknown[])[]
): Statement {
  return {
    sql: `UPDATE messages SET ${set}, claim_token = NULL, updated_at = UTC_TIMESTAMP(3)
           WHERE id IN (${placeholders(outcomes.length)}) AND ${inSet(LIVE)}`,
    params: updateParams(outcomes, values),
  };
}

/** Each `CASE id` entry's (id, value) pairs in order, then the ids (a loop: V8's flatMap is slow). */
function updateParams<O extends AttemptOutcome>(
  outcomes: O[],
  values: ((o: O) => unknown[])[],
): unknown[] {
  const params: unknown[] = [];
  for (const value of values) {
    for (const o of outcomes) {
      params.push(o.message.id);
      for (const v of value(o)) params.push(v);
    }
  }
  for (const o of outcomes) params.push(o.message.id);
  return params;
}

function attemptDetail(o: AttemptOutcome): Record<string, unknown> {
  const base = { attempt: o.message.attempt, latencyMs: o.latencyMs };
  switch (o.kind) {
    case 'sent':
      return { ...base, ok: true, mqMessageId: o.mqMessageId };
    case 'retry':
      return { ...base, ok: false, error: o.error, retryInMs: o.retryInMs };
    case 'failed':
      return { ...base, ok: false, error: o.error, permanent: o.permanent };
  }
}
