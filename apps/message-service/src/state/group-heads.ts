import { placeholders } from '../database/sql';
import { Statement } from '../database/transaction';
import { HEAD_OF_GROUP } from './delivery-claims';

/**
 * Which of `ids` wait behind an earlier message of their group (CONFIRMED or FAILED), read after
 * the commit that confirmed them. Only a group's head can be claimed, and the completion of each
 * send hands off the next of its group, so a message behind its head needs no hand-off of its
 * own; handed off anyway, each would cost a claim that takes nothing. No message is left behind
 * by this: if the one before it is sent before this read, the read finds it the head; if after,
 * that completion's read of the next in line comes after this commit and finds it.
 */
export function behindTheirHeads(ids: string[]): Statement {
  return {
    sql: `SELECT id FROM messages WHERE id IN (${placeholders(ids.length)})
           AND message_group IS NOT NULL AND NOT ${HEAD_OF_GROUP}`,
    params: ids,
  };
}

export const idsOf = (result: unknown): Set<string> =>
  new Set(((result ?? []) as { id: string }[]).map((r) => r.id));
