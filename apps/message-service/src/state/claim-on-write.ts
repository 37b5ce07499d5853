import { MessageStatus } from '@app/contracts';
import { DataSource } from 'typeorm';
import { idsWith, placeholders } from '../database/sql';
import { inTransaction, Statement } from '../database/transaction';
import { ClaimOnWrite } from './after-commit';
import { newClaimToken } from './claim';
import { ClaimedMessage } from './delivery-claims';
import { Message, NewMessage } from './message';
import { ClaimAtInsert } from './message-insert';
import { MESSAGE_COLUMNS, MessageRow, toMessage } from './message-row';
import { seqAllocation } from './seq-allocation';
import { CONFIRM_SET, CONFIRMED_NOW } from './transition';

/**
 * Claim on write (see `ClaimOnWrite`): the transaction that makes a message CONFIRMED also claims
 * it for its first attempt when it may go at once and is in no group (a group's head is chosen
 * by a claim, under the group's order check). The claim is the one `claimRows` makes: a fresh
 * token, the lease as `next_attempt_at`, the attempt counted and the next `seq` of its
 * (producer, topic), so fencing, numbering and recovery (the lease runs out, the sweep claims
 * it) stay as they are.
 */

/** A claimed message as delivery takes it, from what the write stored. */
function claimed(
  m: Pick<Message, 'id' | 'producerId' | 'msgLogId' | 'topic' | 'tag' | 'keys' | 'properties'>,
  body: Buffer,
  seq: number,
  attempt: number,
  token: string,
  claimedAt: number,
): ClaimedMessage {
  return {
    id: m.id,
    producerId: m.producerId,
    msgLogId: m.msgLogId,
    topic: m.topic,
    tag: m.tag,
    keys: m.keys,
    properties: m.properties,
    messageGroup: null,
    body,
    seq,
    attempt,
    waitedMs: 0,
    claimToken: token,
    claimedAt,
  };
}

/** What a prepare needs to claim the CONFIRMED messages it stores; undefined: claim none. */
export function claimAtInsert(
  messages: NewMessage[],
  effects: { claimsOnWrite(count: number): ClaimOnWrite | undefined },
):
  | (ClaimAtInsert & {
      statements: Statement[];
      reads: Statement[];
      /** The claimed messages, from the results of `reads`. */
      claimed(read: unknown): ClaimedMessage[];
    })
  | undefined {
  const claimable = messages.filter(
    (m) => m.status === MessageStatus.CONFIRMED && m.messageGroup === null && m.deliverAt === null,
  );
  const receiver = effects.claimsOnWrite(claimable.length);
  if (!receiver) return undefined;
  const seq = seqAllocation(
    claimable.map((m) => ({ id: m.id, producer_id: m.producerId, topic: m.topic, seq: null })),
  );
  const token = newClaimToken();
  const claimedAt = Date.now(); // before the transaction, which starts the lease
  return {
    token,
    leaseMs: receiver.leaseMs,
    seq: (id) => seq.expressions.get(id)!,
    ids: new Set(claimable.map((m) => m.id)),
    statements: seq.statements,
    reads: seq.reads,
    claimed: (read) => {
      const seqs = seq.numbers(read);
      return claimable.map((m) => claimed(m, m.body, seqs.get(m.id)!, 1, token, claimedAt));
    },
  };
}

interface LockedRow {
  id: string;
  producer_id: string;
  topic: string;
  message_group: string | null;
  later: number | string | null;
}

/**
 * PENDING → CONFIRMED for many messages, claiming those that may go at once: two round trips
 * (lock and read the rows still PENDING of the given producers; then number, change, commit and
 * read every message back). Returns the ids it changed, every message as read after the commit,
 * and the claimed messages.
 */
export async function confirmAndClaim(
  db: DataSource,
  items: { id: string; producerId: string }[],
  leaseMs: number,
): Promise<{ changed: Set<string>; rows: Map<string, Message>; claimed: ClaimedMessage[] }> {
  const ids = items.map((i) => i.id);
  const owned = idsWith(
    'producer_id',
    items.map((i) => ({ id: i.id, value: i.producerId })),
  );
  const token = newClaimToken();
  const claimedAt = Date.now(); // before the transaction, which starts the lease
  let locked: LockedRow[] = [];
  let claimable: string[] = [];
  const results = await inTransaction(db, async (trips) => {
    [locked] = (await trips.send([
      {
        sql: `SELECT id, producer_id, topic, message_group, deliver_at > UTC_TIMESTAMP(3) AS later
                FROM messages FORCE INDEX (PRIMARY)
               WHERE id IN (${placeholders(ids.length)}) AND status = ${MessageStatus.PENDING}
                 AND ${owned.sql}
               FOR UPDATE`,
        params: [...ids, ...owned.params],
      },
    ])) as [LockedRow[]];
    const now = locked.filter((r) => r.message_group === null && !Number(r.later));
    const rest = locked.filter((r) => !now.includes(r)).map((r) => r.id);
    claimable = now.map((r) => r.id);
    const seq = seqAllocation(now.map((r) => ({ ...r, seq: null })));
    const statements: Statement[] = [...seq.statements];
    if (claimable.length > 0) {
      statements.push({
        sql: `UPDATE messages SET status = ${MessageStatus.CONFIRMED},
                confirmed_at = ${CONFIRMED_NOW}, claim_token = ?,
                next_attempt_at = TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3)),
                delivery_attempts = delivery_attempts + 1, seq = CASE id ${seq.cases} END,
                updated_at = UTC_TIMESTAMP(3)
              WHERE id IN (${placeholders(claimable.length)})`,
        params: [token, leaseMs, ...seq.params, ...claimable],
      });
    }
    if (rest.length > 0) {
      statements.push({
        sql: `UPDATE messages SET status = ${MessageStatus.CONFIRMED}, claim_token = NULL,
                updated_at = UTC_TIMESTAMP(3), ${CONFIRM_SET}
              WHERE id IN (${placeholders(rest.length)})`,
        params: rest,
      });
    }
    const reads: Statement[] = [
      {
        sql: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id IN (${placeholders(ids.length)})`,
        params: ids,
      },
    ];
    if (claimable.length > 0) {
      reads.push({
        sql: `SELECT id, body FROM messages WHERE id IN (${placeholders(claimable.length)})`,
        params: claimable,
      });
    }
    return (await trips.commit(statements, reads)).slice(statements.length);
  });
  const rows = new Map((results[0] as MessageRow[]).map((r) => [r.id, toMessage(r)]));
  const bodies = new Map(
    ((results[1] ?? []) as { id: string; body: Buffer }[]).map((r) => [r.id, r.body]),
  );
  return {
    changed: new Set(locked.map((r) => r.id)),
    rows,
    claimed: claimable.map((id) => {
      const m = rows.get(id)!;
      return claimed(m, bodies.get(id)!, m.seq!, m.deliveryAttempts, token, claimedAt);
    }),
  };
}
